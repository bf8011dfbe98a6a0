#!/bin/sh
# SPDX-License-Identifier: MIT
# check-exports.sh LIB [MAP] - only dkimmod_* symbols are exported, each
# with its version node of module/libdkimmod.map: a symbol listed by name
# in a later node (DKIMMOD_1.3 ...) carries that node, every other one
# DKIMMOD_1.0 (TAP).
lib=$1
map=${2:-$(dirname "$0")/../../module/libdkimmod.map}
echo "1..4"
# nm -D lists the version node itself as an absolute symbol: not a function.
syms=$(nm -D --defined-only "$lib" | awk '$2 != "A" {print $3}' | sed 's/@.*//')
bad=$(printf '%s\n' "$syms" | grep -v '^dkimmod_' | grep -v '^$')
if [ -z "$bad" ]; then echo "ok 1 - only dkimmod_* exported"; else echo "not ok 1 - also exported: $bad"; fail=1; fi
if printf '%s\n' "$syms" | grep -qx dkimmod_plugin_v1; then echo "ok 2 - dkimmod_plugin_v1 exported"; else echo "not ok 2 - no dkimmod_plugin_v1"; fail=1; fi
# "NAME NODE" for every name listed exactly in a node after DKIMMOD_1.0.
listed=$(sed 's,/\*.*\*/,,' "$map" | awk '
  /^DKIMMOD_[0-9.]+ *\{/ { node = $1; next }
  node != "" && node != "DKIMMOD_1.0" && /^ *dkimmod_[a-z0-9_]+;/ { gsub(/[ ;]/, ""); print $0, node }')
# objdump -T: "... .text SIZE VERSION NAME"
wrong=$(objdump -T "$lib" | awk '$NF ~ /^dkimmod_/ {print $NF, $(NF-1)}' | while read -r name node; do
  want=$(printf '%s\n' "$listed" | awk -v n="$name" '$1 == n {print $2}')
  [ "$node" = "${want:-DKIMMOD_1.0}" ] || echo "$name:$node(want ${want:-DKIMMOD_1.0})"
done)
n=$(objdump -T "$lib" | awk '$NF ~ /^dkimmod_/' | wc -l)
if [ -z "$wrong" ] && [ "$n" -gt 0 ]; then
  echo "ok 3 - all $n dkimmod_* symbols carry their version node"
else
  echo "not ok 3 - symbols with the wrong version node: ${wrong:-none found}"; fail=1
fi
# every name the map lists is exported (a typo in the map would leave it 1.0)
missing=$(printf '%s\n' "$listed" | awk 'NF {print $1}' | while read -r name; do
  printf '%s\n' "$syms" | grep -qx "$name" || echo "$name"
done)
if [ -z "$missing" ]; then echo "ok 4 - every name in the map is exported"; else echo "not ok 4 - listed, not exported: $missing"; fail=1; fi
exit ${fail:-0}
