# Sourced by calibrate.sh and evaluate.sh (after $xray and $data are set): makes, when missing, the sets the bundled 2D
# model's thresholds are chosen on, and names them. Per route: the validation set (100 varied scenes, 8-bit renders
# with scanner effects, as an archive holds them), 300 more varied scenes, and 150 scenes in the pipeline's own look
# (16-bit dual-energy pairs rendered by xray, as a route fed by a dual-energy scanner sees them). Seeds used nowhere
# else. Defines CAL_MAIL, CAL_EXPRESS, CAL_BAGGAGE (a route's sets), CAL_VARIED_R and CAL_PAIRS_R (its two looks)
# and CAL_ALL (space-separated paths).
calset() { local d=$1; shift; [ -f "$d/annotations.coco.json" ] || $xray synth "$@" --out "$d" >/dev/null; }
calset $data/val-baggage     --kind baggage --count 100 --seed 2100 --varied --no-raw
calset $data/val-mail        --kind mail    --count 100 --seed 2101 --varied --no-raw
calset $data/val-express     --kind express --count 100 --seed 2103 --varied --no-raw
calset $data/cal-mail        --kind mail    --count 300 --seed 2140 --varied --no-raw
calset $data/cal-express     --kind express --count 300 --seed 2141 --varied --no-raw
calset $data/cal-baggage     --kind baggage --count 300 --seed 2142 --varied --no-raw
calset $data/cal-pairs-mail    --kind mail    --count 150 --seed 2143
calset $data/cal-pairs-express --kind express --count 150 --seed 2144
calset $data/cal-pairs-baggage --kind baggage --count 150 --seed 2145
# Per route, its varied 8-bit sets and its pairs set (a route's threshold must hold on each look: calibrate.sh).
for r in mail express baggage; do
  declare "CAL_VARIED_${r^^}=$data/val-$r $data/cal-$r"
  declare "CAL_PAIRS_${r^^}=$data/cal-pairs-$r"
done
CAL_MAIL="$CAL_VARIED_MAIL $CAL_PAIRS_MAIL"
CAL_EXPRESS="$CAL_VARIED_EXPRESS $CAL_PAIRS_EXPRESS"
CAL_BAGGAGE="$CAL_VARIED_BAGGAGE $CAL_PAIRS_BAGGAGE"
CAL_ALL="$CAL_MAIL $CAL_EXPRESS $CAL_BAGGAGE"
