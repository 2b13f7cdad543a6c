#!/bin/sh
# tools/bench.sh -- `make bench`: what a build costs beside its limit.
#
# Builds the sample edition and generated editions four and sixteen times
# larger (its articles repeated as more sections, every digit shifted so no
# two sections read alike), cold (empty output and cache) and warm (built
# again, nothing changed), with --jobs 1 and --jobs $(nproc), and prints wall
# time, CPU time, peak resident memory, minutes of audio per second of wall
# time, and the ratio of each cold build to the limit measured in the same
# run: espeak-ng speaking the same pinyin (from `tingbao script --json`) at
# the voice's rate, plus one libsamplerate pass of that audio to 44100 Hz.
# Not a test: nothing here fails on a slow machine.
set -eu
SAMPLE=${1:-../shared/editions/zhuzhou-2023-09-05.md}
SIZES=${BENCH_SIZES:-"1 4 16"}
NPROC=$(nproc)
W=$(mktemp -d /tmp/tingbao-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
RATE=$(sed -n 's/^rate *= *\([0-9]*\).*/\1/p' voices/default.ini | head -n 1)

# An edition N times the sample: the masthead once, then N sections, each
# the sample's articles with their numbers changed, so no two sections
# read alike.
make_edition() {
    n=$1 out=$2
    sed -n '1,/^## /p' "$SAMPLE" | sed '$d' > "$out"
    i=1
    while [ "$i" -le "$n" ]; do
        from=0123456789
        to=$(echo 01234567890123456789 | cut -c$((i % 10 + 1))-$((i % 10 + 10)))
        printf '\n# 第%02d版：第%d版\n\n' "$i" "$i" >> "$out"
        # Shifted digits alone repeat every ten sections (and the cache
        # would find the repeats): the section's number also goes into
        # every number, after its first digit.
        sed -n '/^## /,$p' "$SAMPLE" | tr "$from" "$to" | sed -E "s/([0-9])([0-9]*)/\1$i\2/g" >> "$out"
        i=$((i + 1))
    done
}

# A run of back issues: N editions of the sample on N days, in dated
# folders, each with its numbers changed as section i of make_edition's.
make_many() {
    n=$1 dir=$2
    i=1
    while [ "$i" -le "$n" ]; do
        d=$(printf '2023-09-%02d' $((4 + i)))
        mkdir -p "$dir/$d"
        from=0123456789
        to=$(echo 01234567890123456789 | cut -c$((i % 10 + 1))-$((i % 10 + 10)))
        sed -n '1,/^## /p' "$SAMPLE" | sed '$d' | sed "s/2023年9月5日/2023年9月$((4 + i))日/" > "$dir/$d/edition.md"
        sed -n '/^## /,$p' "$SAMPLE" | tr "$from" "$to" | sed -E "s/([0-9])([0-9]*)/\1$i\2/g" >> "$dir/$d/edition.md"
        i=$((i + 1))
    done
}

# Runs a command; prints "wall cpu maxrss_kb".
measure() {
    /usr/bin/time -f '%e %U %S %M' -o "$W/time" "$@" > /dev/null 2> "$W/err" || {
        cat "$W/err" >&2; exit 1; }
    awk '{ printf "%.2f %.2f %d\n", $1, $2 + $3, $4 }' "$W/time"
}

printf '%-8s %-5s %-5s %8s %8s %8s %9s %8s\n' edition jobs run wall_s cpu_s rss_MiB audio_m/s vs_limit
for n in $SIZES; do
    ed="$W/ed$n.md"
    if [ "$n" = 1 ]; then cp "$SAMPLE" "$ed"; else make_edition "$n" "$ed"; fi
    # The limit: espeak-ng on the same pinyin, then one resampling pass.
    ./tingbao script --json "$ed" | python3 -c '
import json, sys
d = json.load(sys.stdin)
segs = list(d["intro"])
for s in d["sections"]:
    segs += s["intro"]
    for a in s["articles"]:
        segs += a["segments"]
print("\n".join(x["pinyin"] + " ." for x in segs))' > "$W/pinyin.txt"
    set -- $(measure espeak-ng -v cmn-latn-pinyin -s "$RATE" -f "$W/pinyin.txt" -w "$W/limit.wav")
    sw=$1 sc=$2
    set -- $(measure build/srcpass "$W/limit.wav" 44100)
    lw=$(echo "$sw $1" | awk '{ print $1 + $2 }')
    lc=$(echo "$sc $2" | awk '{ print $1 + $2 }')
    printf '%-8s %-5s %-5s %8s %8s %8s %9s %8s\n' "${n}x" - limit "$lw" "$lc" - - 1.00
    [ "$n" = 4 ] && limit4=$lw
    for jobs in 1 "$NPROC"; do
        rm -rf "$W/out"
        for run in cold warm; do
            set -- $(measure ./tingbao build --quiet --jobs "$jobs" "$ed" --out "$W/out")
            audio=$(python3 -c '
import json, glob, sys
m = json.load(open(glob.glob(sys.argv[1] + "/*/*/edition.json")[0]))
print(m["intro"]["duration_s"] + sum(s["duration_s"] for s in m["sections"]))' "$W/out")
            printf '%-8s %-5s %-5s %8s %8s %8d %9.1f %8.2f\n' "${n}x" "$jobs" "$run" "$1" "$2" \
                $(($3 / 1024)) "$(echo "$audio $1" | awk '{ print $1 / 60 / $2 }')" \
                "$(echo "$1 $lw" | awk '{ print $1 / $2 }')"
        done
    done
done
# Four editions in one call (a folder of dated folders): every core busy
# across them.  Their text is the 4x edition's, so is their limit.
if [ -n "${limit4:-}" ]; then
    make_many 4 "$W/many"
    rm -rf "$W/out"
    set -- $(measure ./tingbao build --quiet --jobs "$NPROC" "$W/many" --out "$W/out")
    audio=$(python3 -c '
import json, glob, sys
print(sum(m["intro"]["duration_s"] + sum(s["duration_s"] for s in m["sections"])
          for m in (json.load(open(f)) for f in glob.glob(sys.argv[1] + "/*/*/edition.json"))))' "$W/out")
    printf '%-8s %-5s %-5s %8s %8s %8d %9.1f %8.2f\n' "4 eds" "$NPROC" cold "$1" "$2" \
        $(($3 / 1024)) "$(echo "$audio $1" | awk '{ print $1 / 60 / $2 }')" \
        "$(echo "$1 $limit4" | awk '{ print $1 / $2 }')"
fi
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)"
