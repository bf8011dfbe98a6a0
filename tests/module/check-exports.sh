#!/bin/sh
# SPDX-License-Identifier: MIT
# check-exports.sh LIB - only dkimmod_* symbols are exported, each with the
# version node of module/libdkimmod.map (TAP).
lib=$1
echo "1..3"
# nm -D lists the version node itself as an absolute symbol: not a function.
syms=$(nm -D --defined-only "$lib" | awk '$2 != "A" {print $3}' | sed 's/@.*//')
bad=$(printf '%s\n' "$syms" | grep -v '^dkimmod_' | grep -v '^$')
if [ -z "$bad" ]; then echo "ok 1 - only dkimmod_* exported"; else echo "not ok 1 - also exported: $bad"; fail=1; fi
if printf '%s\n' "$syms" | grep -qx dkimmod_plugin_v1; then echo "ok 2 - dkimmod_plugin_v1 exported"; else echo "not ok 2 - no dkimmod_plugin_v1"; fail=1; fi
# objdump -T: "... .text SIZE VERSION NAME"; every dkimmod_ symbol is DKIMMOD_1.0.
unversioned=$(objdump -T "$lib" | awk '$NF ~ /^dkimmod_/ && $(NF-1) != "DKIMMOD_1.0" {print $NF}')
n=$(objdump -T "$lib" | awk '$NF ~ /^dkimmod_/' | wc -l)
if [ -z "$unversioned" ] && [ "$n" -gt 0 ]; then
  echo "ok 3 - all $n dkimmod_* symbols carry version DKIMMOD_1.0"
else
  echo "not ok 3 - symbols without version DKIMMOD_1.0: ${unversioned:-none found}"; fail=1
fi
exit ${fail:-0}
