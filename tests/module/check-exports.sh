#!/bin/sh
# SPDX-License-Identifier: MIT
# check-exports.sh LIB - only dkimmod_* symbols are exported (TAP).
lib=$1
echo "1..2"
syms=$(nm -D --defined-only "$lib" | awk '{print $3}')
bad=$(printf '%s\n' "$syms" | grep -v '^dkimmod_' | grep -v '^$')
if [ -z "$bad" ]; then echo "ok 1 - only dkimmod_* exported"; else echo "not ok 1 - also exported: $bad"; fail=1; fi
if printf '%s\n' "$syms" | grep -qx dkimmod_plugin_v1; then echo "ok 2 - dkimmod_plugin_v1 exported"; else echo "not ok 2 - no dkimmod_plugin_v1"; fail=1; fi
exit ${fail:-0}
