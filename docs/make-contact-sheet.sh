#!/usr/bin/env bash
# Rebuilds docs/images/contact-sheet.png from sample-images/ (needs ImageMagick: apt-get install imagemagick).
# Top row: mail, express, baggage pseudo-colour renders and an axial CT slice; bottom: the 8192-px cargo scan.
set -euo pipefail
cd "$(dirname "$0")/.."
row1=(sample-images/mail/images/mail_00000.png sample-images/express/images/express_00001.png sample-images/baggage/images/baggage_00001.png sample-images/ct/images/ct_00000_z0064.png)
convert -background white -gravity NorthWest \
        \( "${row1[@]/%/[x400]}" -splice 8x0 +append \) \
        \( sample-images/cargo/images/cargo_00000.jpg -resize 1800x -splice 0x8 \) \
        -append -resize 1800x docs/images/contact-sheet.png
