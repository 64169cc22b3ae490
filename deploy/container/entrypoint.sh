#!/bin/sh
# The container's entry point: `run` (the default) migrates the database once, then starts
# the bot; any other arguments are a samenkracht command (`db backup /data/x.skbackup`, …).
set -eu
if [ "$#" -eq 0 ]; then
    set -- run
fi
if [ "$1" = "run" ]; then
    samenkracht db upgrade
fi
exec samenkracht "$@"
