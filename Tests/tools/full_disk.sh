#!/bin/sh
# A full disk under `tamwatch watch`, for the end-to-end test: in a mount namespace of its own
# (run it with `unshare --mount --propagation private`, as root), a 4 MB tmpfs holds the state;
# once the first run has printed AFTER events, a file fills the disk; the run must stop (exit 74).
# Then the file goes and the same command runs again to the build's end.
#
#   full_disk.sh TAMWATCH API_URL JOB AFTER FOLDER
#
# FOLDER (empty, outside the tmpfs) receives run1.out, run2.out and their .err; the tmpfs is
# mounted on FOLDER/disk and disappears with the namespace. Prints "exits FIRST SECOND".
set -u
bin=$1 url=$2 job=$3 after=$4 folder=$5
disk="$folder/disk"
mkdir -p "$disk"
mount -t tmpfs -o size=4m tmpfs "$disk" || exit 90
run() {
    "$bin" watch "$job" --api-url "$url" --poll-interval 50ms --state "$disk/state.sqlite" --output ndjson --no-progress
}
run > "$folder/run1.out" 2> "$folder/run1.err" &
first=$!
# The disk fills once the first run has printed AFTER events (tail follows the file as it grows).
timeout 60 sh -c "tail -n +1 -f '$folder/run1.out' | head -n $after > /dev/null"
dd if=/dev/zero of="$disk/fill" bs=16k 2> /dev/null
wait "$first"
first_exit=$?
rm -f "$disk/fill"
run > "$folder/run2.out" 2> "$folder/run2.err"
echo "exits $first_exit $?"
