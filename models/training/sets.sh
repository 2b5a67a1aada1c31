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
