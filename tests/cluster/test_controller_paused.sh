#!/usr/bin/env bash
# The active controller (the quorum's leader, a broker too) SIGSTOPped for
# longer than the controller and broker session timeouts while all three
# streams are produced and aggregated: it answers nothing, yet its
# connections stay open. The two other voters elect a new leader and fence
# the hung broker; on SIGCONT the old leader finds a newer epoch, follows,
# catches up, and every aggregate is exact.
source "$(dirname "$0")/lib.sh"
PAUSE_S=15
start_flow 500

controller_down pause
resume_after_pause "$victim"
finish_flow
