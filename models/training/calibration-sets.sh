# Sourced by calibrate.sh and evaluate.sh (after $xray and $data are set): makes, when missing, the sets the bundled 2D
# model's thresholds are chosen on, and names them. Per route: the validation set (100 varied scenes, 8-bit renders
# with scanner effects, as an archive holds them), 300 more varied scenes, and 150 scenes in the pipeline's own look
# (16-bit dual-energy pairs rendered by xray, as a route fed by a dual-energy scanner sees them). Seeds used nowhere
# else. Defines CAL_MAIL, CAL_EXPRESS, CAL_BAGGAGE and CAL_ALL (space-separated paths).
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
CAL_MAIL="$data/val-mail $data/cal-mail $data/cal-pairs-mail"
CAL_EXPRESS="$data/val-express $data/cal-express $data/cal-pairs-express"
CAL_BAGGAGE="$data/val-baggage $data/cal-baggage $data/cal-pairs-baggage"
CAL_ALL="$CAL_MAIL $CAL_EXPRESS $CAL_BAGGAGE"
