#!/bin/sh
# Regenerates the attacker's data from real binaries: a four-member demo
# federation on loopback, then KH (alone) publishes months, quarters and the year
# of 2024 at thresholds 5 to 11, imports more cases, publishes revisions, updates
# some cases (so that "cases are only added" is false), publishes again, adds a
# noised release, and an auditor exports KH's log as an audit bundle.
#
#   REMEDY_BIN_DIR=/tmp/attack-bin tests/attack/collect_demo.sh OUT [CASES]
#
# OUT (default /tmp/attack-work/collect) is created (an earlier one is replaced);
# CASES (default 800) is the demo's register size per member for 2024. It writes
#   OUT/kh.bundle          the bundle (the attacker's input)
#   OUT/base.csv           the register the demo imported
#   OUT/extra.csv          cases added later (new ids)
#   OUT/updates.csv        cases changed later (same ids)
#   OUT/publish.log        every publish command and its result (refusals kept)
#   OUT/attack.sh          the attack commands for this data
# and stops the node it started. Needs only sh, awk, sed and the two binaries.
set -eu

BIN=${REMEDY_BIN_DIR:-/tmp/attack-bin}
OUT=${1:-/tmp/attack-work/collect}
CASES=${2:-800}
R="$BIN/remedy"
HERE=$(cd "$(dirname "$0")" && pwd)

[ -x "$R" ] && [ -x "$BIN/remedy-node" ] || { echo "no remedy/remedy-node in $BIN" >&2; exit 2; }
if [ -e "$OUT" ]; then
    [ -f "$OUT/.collect-demo" ] || { echo "$OUT exists and was not made by this script" >&2; exit 2; }
    rm -rf "$OUT"
fi
mkdir -p "$OUT"
touch "$OUT/.collect-demo"

echo "== demo federation ($CASES cases per member), stopped after its audit"
"$R" demo --out "$OUT/demo" --cases "$CASES" --exit > "$OUT/demo.log" 2>&1
FED="$OUT/demo/fed"
KH="$FED/KH"
cp "$KH/cases-2024.csv" "$OUT/base.csv"
ADDR=$(sed -n 's/^listen = "\(.*\)"$/\1/p' "$KH/node.toml" | head -1)

NODE_PID=
stop_node() {
    if [ -n "$NODE_PID" ]; then
        kill "$NODE_PID" 2>/dev/null || true
        wait "$NODE_PID" 2>/dev/null || true
        NODE_PID=
    fi
}
trap stop_node EXIT INT TERM

echo "== KH's node alone on $ADDR"
"$BIN/remedy-node" --dir "$KH" run 2> "$KH/node-collect.log" &
NODE_PID=$!
i=0
until "$R" --dir "$KH" cases list > /dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 200 ] || { echo "the node did not answer" >&2; exit 1; }
    sleep 0.1
done

# publish PERIOD [K] [more options]: a refusal is logged, not fatal
publish() {
    period=$1
    shift
    if [ $# -gt 0 ] && [ "$1" != "-" ]; then k="--threshold $1"; else k=""; fi
    [ $# -gt 0 ] && shift
    echo "\$ remedy --dir KH publish --period $period $k $*" >> "$OUT/publish.log"
    # shellcheck disable=SC2086
    if "$R" --dir "$KH" publish --period "$period" $k "$@" > "$OUT/last.out" 2>&1; then
        tail -1 "$OUT/last.out" >> "$OUT/publish.log"
        echo "   $period ${k:-K=default} $*: $(tail -1 "$OUT/last.out")"
    else
        sed 's/^/   REFUSED: /' "$OUT/last.out" | tail -2 >> "$OUT/publish.log"
        echo "   $period ${k:-K=default} $*: refused: $(tail -1 "$OUT/last.out" | cut -c1-160)"
    fi
}

echo "== register state 1 (the demo's import; the demo published 2024-Q1..Q4 at K=5)"
for m in 01 02 03 04 05 06 07 08 09 10 11 12; do
    publish 2024-$m 5
done
publish 2024 11
publish 2024-Q2 8          # a second revision of the same register state, K=8

echo "== register state 2: cases added (opened 2024-07..12)"
"$R" cases generate --member KH --count $((CASES / 8)) --seed 2 --from 2024-07-01 --to 2024-12-31 \
    | sed '1!s/^KH-2024-/KH-2024-B/' > "$OUT/extra.csv"
"$R" --dir "$KH" cases import "$OUT/extra.csv" >> "$OUT/publish.log" 2>&1
for m in 07 08 09 10 11 12; do
    publish 2024-$m 6
done
publish 2024-Q3 7
publish 2024-Q4 7
publish 2024 11

echo "== register state 3: pending cases of 2024-10/11 closed (an update, not an addition)"
awk -F, 'NR == 1 { print; next }
         $11 == "pending" && $2 >= "2024-10-01" && $2 <= "2024-11-30" && n < 15 {
             $3 = "2024-12-20"; $11 = "resolved-non-monetary"; n++; print }' OFS=, \
    "$OUT/base.csv" > "$OUT/updates.csv"
"$R" --dir "$KH" cases import "$OUT/updates.csv" >> "$OUT/publish.log" 2>&1
publish 2024-10 9
publish 2024-11 9
publish 2024-12 9
publish 2024-Q4 10
publish 2024 11

echo "== a noised release"
publish 2024-Q1 - --epsilon 0.5 --accept-noise

echo "== the auditor exports KH's log"
"$R" --dir "$FED/AUD" --node "$ADDR" audit export --origin KH --out "$OUT/kh.bundle"
stop_node

cat > "$OUT/attack.sh" <<EOF
#!/bin/sh
# The attack on this data (exit 1: something disclosed).
cd "$OUT"
/usr/bin/python3 "$HERE/attack.py" kh.bundle \\
    --cases base.csv --cases base.csv+extra.csv --cases base.csv+extra.csv+updates.csv \\
    --json attack.json "\$@"
EOF
chmod +x "$OUT/attack.sh"
echo "== done: $OUT/kh.bundle; run $OUT/attack.sh [--assume-additions-only]"
