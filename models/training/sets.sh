# Sourced by fit.sh and stage4-cpu.sh: the packed sets (train.sh's pack step) the bundled 2D detector trains and
# validates on. Set `packed` to the packed folder first; defines TRAIN, TRAIN4 and VAL (space-separated paths).
TRAIN=""
for s in train-mail train-express train-baggage train-cargo train-cargo2 train-ct train-ct2 \
         fresh-mail fresh-express fresh-baggage tip-baggage tip-express tip-mail more-mail more-express more-baggage; do
  TRAIN="$TRAIN $packed/$s"
done
# Stages 4 and 5 (fit.sh) add scenes with heavier benign clutter (1.6-2 times the items) and more trucks.
TRAIN4="$TRAIN"
for s in clutter-mail clutter-express clutter-baggage more-cargo; do TRAIN4="$TRAIN4 $packed/$s"; done
VAL="$packed/val-mail $packed/val-express $packed/val-baggage $packed/val-cargo $packed/val-ct"
# Stage 6 (version 5; fit.sh) trains on new scenes only, packed apart (train.sh: packed6; set `packed6` first): the
# same looks with new seeds, more baggage, mail and mail TIP also packed at the mail route's fill 0.5 (pack.py --fill),
# and validates on the 2D validation sets, mail at both fills.
packed6=${packed6:-$(dirname "$packed")/packed6}
TRAIN6=""
for s in s6-mail s6-mail-f50 s6-clutter-mail s6-express s6-clutter-express s6-baggage s6-clutter-baggage \
         s6-tip-mail s6-tip-mail-f50 s6-tip-express s6-tip-baggage s6-cargo \
         s6-baggage2 s6-mail2 s6-mail2-f50 s6-express2 s6-clutter-baggage2 s6-tip-baggage2; do
  TRAIN6="$TRAIN6 $packed6/$s"
done
VAL6="$packed6/val-mail $packed6/val-mail-f50 $packed6/val-express $packed6/val-baggage $packed6/val-cargo"
# Stage 7 (tried, not bundled; fit.sh runs it with STAGE7=1): new scenes in the pipeline's own look (xray synth
# without --varied: what a route renders from a 16-bit pair, the look of the calibration pairs and the test sets),
# under packed7 (or PACKED7), with a share of stage 6's sets replayed; validated as stage 6.
packed7=${packed7:-$(dirname "$packed")/packed7}
TRAIN7=""
for s in s7-baggage s7-express s7-mail s7-mail-f50; do TRAIN7="$TRAIN7 $packed7/$s"; done
for s in s6-baggage s6-express s6-mail s6-clutter-baggage s6-tip-baggage s6-tip-express s6-tip-mail; do TRAIN7="$TRAIN7 $packed6/$s"; done
VAL7="$VAL6"
