#!/bin/bash
# routes: one metaserver on a real etcd, every filesystem route of
# common/protocol.h through curl -- each success and its error paths (bad
# JSON, missing and ill-typed fields, bad names, unknown inodes, the errno of
# every POSIX rule), and that an error changes nothing.
# TIMEOUT: 120
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
cluster_init

etcd_start
metaserver_start m1 || tap_bail "m1 did not start"
wait_for 15 meta_is_leader m1 || tap_bail "m1 did not become the leader"

# st OP JSON: the status; j FILTER: jq over the last body
st() { fs m1 "$1" "$2"; }
j() { jq -r "$1" <"$CLUSTER_DIR/body"; }
err() { j .error; }

# ---- info -------------------------------------------------------------------
code=$(http GET "$(meta_url m1 /v1/fs/info)")
ok_eq "info answers" 200 "$code"
ok_eq "info: leader" true "$(j .is_leader)"
ok_eq "info: block size as a string" '"4194304"' "$(jq -c .block_size \
    <"$CLUSTER_DIR/body")"
ok_eq "info: root" 1 "$(j .root)"
ok_eq "info: leader address" "$(meta_addr m1)" "$(j .leader)"

# ---- bad requests -----------------------------------------------------------
ok_eq "malformed JSON is 400" 400 "$(st getattr '{"ino":')"
ok_eq "malformed JSON: EBADMSG" EBADMSG "$(err)"
ok_eq "a JSON array is 400" 400 "$(st getattr '[]')"
ok_eq "missing ino is 400" 400 "$(st getattr '{}')"
ok_eq "missing ino: EINVAL" EINVAL "$(err)"
ok_eq "ino as a negative string is 400" 400 "$(st getattr '{"ino":"-1"}')"
ok_eq "ino 0 is 400" 400 "$(st getattr '{"ino":"0"}')"
ok_eq "ino with junk is 400" 400 "$(st getattr '{"ino":"1x"}')"
ok_eq "GET on a POST route is 405" 405 "$(http GET "$(meta_url m1 \
    /v1/fs/getattr)")"
ok_eq "unknown route is 404" 404 "$(http POST "$(meta_url m1 /v1/fs/nope)" \
    -d '{}')"

# ---- lookup / getattr ---------------------------------------------------------
ok_eq "getattr root" 200 "$(st getattr '{"ino":"1"}')"
ok_eq "root is a directory 0755" 16877 "$(j .attr.mode)"
ok_eq "root nlink 2" 2 "$(j .attr.nlink)"
ok_eq "times are decimal strings" string "$(j '.attr.mtime | type')"
ok_eq "getattr unknown inode: 404" 404 "$(st getattr '{"ino":"999999"}')"
ok_eq "getattr unknown inode: ENOENT" ENOENT "$(err)"
ok_eq "lookup absent: 404" 404 "$(st lookup '{"parent":"1","name":"x"}')"
ok_eq "lookup bad name a/b: 400" 400 "$(st lookup '{"parent":"1","name":"a/b"}')"
ok_eq "lookup name ..: EINVAL" EINVAL "$(st lookup \
    '{"parent":"1","name":".."}' >/dev/null; err)"
long=$(printf 'x%.0s' $(seq 1 256))
ok_eq "lookup 256-byte name: 400" 400 "$(st lookup \
    "{\"parent\":\"1\",\"name\":\"$long\"}")"
ok_eq "lookup 256-byte name: ENAMETOOLONG" ENAMETOOLONG "$(err)"
ok_eq "lookup name not a string: 400" 400 "$(st lookup '{"parent":"1","name":5}')"

# ---- mkdir / mknod / symlink ----------------------------------------------------
ok_eq "mkdir d" 200 "$(st mkdir '{"parent":"1","name":"d","mode":493,
    "caller":{"uid":1000,"gid":1000,"groups":[1000,27]}}')"
D=$(j .attr.ino)
ok_eq "mkdir: a directory 0755" 16877 "$(j .attr.mode)"
ok_eq "mkdir: owned by the caller" "1000:1000" "$(j '"\(.attr.uid):\(.attr.gid)"')"
ok_eq "mkdir: nlink 2" 2 "$(j .attr.nlink)"
st getattr '{"ino":"1"}' >/dev/null
ok_eq "mkdir: the parent's nlink is 3" 3 "$(j .attr.nlink)"
ok_eq "mkdir again: 409" 409 "$(st mkdir '{"parent":"1","name":"d","mode":493}')"
ok_eq "mkdir again: EEXIST" EEXIST "$(err)"
ok_eq "mkdir without mode: 400" 400 "$(st mkdir '{"parent":"1","name":"e"}')"
ok_eq "mkdir bad groups: 400" 400 "$(st mkdir \
    '{"parent":"1","name":"e","mode":493,"caller":{"uid":1,"gid":1,"groups":["x"]}}')"
ok_eq "mkdir in a missing parent: 404" 404 "$(st mkdir \
    '{"parent":"424242","name":"e","mode":493}')"
ok_eq "mknod f" 200 "$(st mknod '{"parent":"1","name":"f","mode":33188}')"
F=$(j .attr.ino)
ok_eq "mknod: a regular file 0644" 33188 "$(j .attr.mode)"
ok_eq "mknod: size 0 as a string" '"0"' "$(jq -c .attr.size <"$CLUSTER_DIR/body")"
ok_eq "mknod a fifo" 200 "$(st mknod '{"parent":"1","name":"p","mode":4516}')"
ok_eq "mknod a char device keeps rdev" 200 "$(st mknod \
    '{"parent":"1","name":"c","mode":8612,"rdev":"1281"}')"
ok_eq "mknod: rdev" 1281 "$(j .attr.rdev)"
ok_eq "mknod of a directory type: 400" 400 "$(st mknod \
    '{"parent":"1","name":"x","mode":16877}')"
ok_eq "mknod in a file: 409 ENOTDIR" ENOTDIR "$(st mknod \
    "{\"parent\":\"$F\",\"name\":\"x\",\"mode\":33188}" >/dev/null; err)"
ok_eq "symlink" 200 "$(st symlink '{"parent":"1","name":"l","target":"a/b c"}')"
L=$(j .attr.ino)
ok_eq "symlink: size is the target length" 5 "$(j .attr.size)"
ok_eq "readlink" 200 "$(st readlink "{\"ino\":\"$L\"}")"
ok_eq "readlink: the target" "a/b c" "$(j .target)"
ok_eq "readlink of a directory: 400 EINVAL" EINVAL "$(st readlink \
    "{\"ino\":\"$D\"}" >/dev/null; err)"
ok_eq "symlink without target: 400" 400 "$(st symlink '{"parent":"1","name":"m"}')"
tgt=$(printf 'y%.0s' $(seq 1 4096))
ok_eq "symlink target over 4095 bytes: ENAMETOOLONG" ENAMETOOLONG "$(st \
    symlink "{\"parent\":\"1\",\"name\":\"m\",\"target\":\"$tgt\"}" \
    >/dev/null; err)"
ok_eq "lookup d" 200 "$(st lookup '{"parent":"1","name":"d"}')"
ok_eq "lookup: the inode" "$D" "$(j .attr.ino)"

# ---- setattr ------------------------------------------------------------------
ok_eq "setattr mode" 200 "$(st setattr "{\"ino\":\"$F\",\"mode\":384}")"
ok_eq "setattr mode: type kept" 33152 "$(j .attr.mode)"
ok_eq "setattr times before 1970 and after 2106" 200 "$(st setattr \
    "{\"ino\":\"$F\",\"atime\":\"-1000000001\",\"mtime\":\"9223372036854775807\"}")"
ok_eq "atime round trip" -1000000001 "$(j .attr.atime)"
ok_eq "mtime round trip" 9223372036854775807 "$(j .attr.mtime)"
ok_eq "setattr mtime now" 200 "$(st setattr "{\"ino\":\"$F\",\"mtime\":\"now\"}")"
now=$(date +%s)
mt=$(j .attr.mtime)
ok "mtime now is now" test $(( ${mt%?????????} - now )) -le 2
ok_eq "setattr size" 200 "$(st setattr "{\"ino\":\"$F\",\"size\":\"10000\"}")"
ok_eq "setattr size: size" 10000 "$(j .attr.size)"
ok_eq "setattr size on a directory: EISDIR" EISDIR "$(st setattr \
    "{\"ino\":\"$D\",\"size\":\"1\"}" >/dev/null; err)"
ok_eq "setattr size not a number: 400" 400 "$(st setattr \
    '{"ino":"'"$F"'","size":"x"}')"
ok_eq "setattr mode not a number: 400" 400 "$(st setattr \
    "{\"ino\":\"$F\",\"mode\":\"rw\"}")"
ok_eq "setattr uid past 32 bits: 400" 400 "$(st setattr \
    "{\"ino\":\"$F\",\"uid\":\"4294967296\"}")"
ok_eq "... naming the field" uid "$(j .message | grep -o uid | head -1)"
ok_eq "setattr gid negative: 400" 400 "$(st setattr \
    "{\"ino\":\"$F\",\"gid\":-1}")"
ok_eq "setattr bad time: 400" 400 "$(st setattr "{\"ino\":\"$F\",\"atime\":\"soon\"}")"
ok_eq "setattr mode by a stranger: 403 EPERM" EPERM "$(st setattr \
    "{\"ino\":\"$F\",\"mode\":511,\"caller\":{\"uid\":5,\"gid\":5}}" \
    >/dev/null; err)"
st getattr "{\"ino\":\"$F\"}" >/dev/null
ok_eq "the refused setattr changed nothing" 33152 "$(j .attr.mode)"
ok_eq "chown" 200 "$(st setattr "{\"ino\":\"$F\",\"uid\":7,\"gid\":8}")"
ok_eq "chown: owner" "7:8" "$(j '"\(.attr.uid):\(.attr.gid)"')"

# ---- atime (a read's relatime touch) -------------------------------------------
st getattr "{\"ino\":\"$F\"}" >/dev/null
c0=$(j .attr.ctime)
ok_eq "atime of an atime older than mtime" 200 "$(st atime "{\"ino\":\"$F\"}")"
ok_eq "atime: touched" true "$(j .touched)"
ok "atime: now" test "$(j .attr.atime)" -gt "$(j .attr.mtime)"
ok_eq "atime: ctime unchanged" "$c0" "$(j .attr.ctime)"
a1=$(j .attr.atime)
ok_eq "atime again (relatime: newer than mtime and ctime)" 200 \
    "$(st atime "{\"ino\":\"$F\",\"strict\":false}")"
ok_eq "atime again: not touched, atime kept" "false $a1" "$(j '"\(.touched) \(.attr.atime)"')"
ok_eq "atime strict" 200 "$(st atime "{\"ino\":\"$F\",\"strict\":true}")"
ok_eq "atime strict: touched" true "$(j .touched)"
ok_eq "atime strict not a bool: 400" 400 "$(st atime "{\"ino\":\"$F\",\"strict\":1}")"
ok_eq "atime of an unknown inode: ENOENT" ENOENT "$(st atime \
    '{"ino":"999999"}' >/dev/null; err)"

# ---- link / unlink / rmdir / rename ------------------------------------------------
ok_eq "link f into d" 200 "$(st link "{\"ino\":\"$F\",\"parent\":\"$D\",\"name\":\"g\"}")"
ok_eq "link: nlink 2" 2 "$(j .attr.nlink)"
ok_eq "link a directory: 403 EPERM" EPERM "$(st link \
    "{\"ino\":\"$D\",\"parent\":\"1\",\"name\":\"dd\"}" >/dev/null; err)"
ok_eq "link onto an existing name: EEXIST" EEXIST "$(st link \
    "{\"ino\":\"$F\",\"parent\":\"1\",\"name\":\"d\"}" >/dev/null; err)"
ok_eq "unlink a directory: EISDIR" EISDIR "$(st unlink \
    '{"parent":"1","name":"d"}' >/dev/null; err)"
ok_eq "rmdir a file: ENOTDIR" ENOTDIR "$(st rmdir \
    '{"parent":"1","name":"f"}' >/dev/null; err)"
ok_eq "rmdir non-empty: ENOTEMPTY" ENOTEMPTY "$(st rmdir \
    '{"parent":"1","name":"d"}' >/dev/null; err)"
ok_eq "unlink absent: 404" 404 "$(st unlink '{"parent":"1","name":"zz"}')"
ok_eq "rename f -> d/h" 200 "$(st rename \
    "{\"parent\":\"1\",\"name\":\"f\",\"newparent\":\"$D\",\"newname\":\"h\"}")"
ok_eq "rename: old name gone" 404 "$(st lookup '{"parent":"1","name":"f"}')"
ok_eq "rename: new name" "$F" "$(st lookup "{\"parent\":\"$D\",\"name\":\"h\"}" \
    >/dev/null; j .attr.ino)"
ok_eq "rename NOREPLACE onto g: EEXIST" EEXIST "$(st rename \
    "{\"parent\":\"$D\",\"name\":\"h\",\"newparent\":\"$D\",\"newname\":\"g\",\"flags\":1}" \
    >/dev/null; err)"
ok_eq "rename EXCHANGE p <-> l" 200 "$(st rename \
    '{"parent":"1","name":"p","newparent":"1","newname":"l","flags":2}')"
ok_eq "exchange: l is now the fifo" 4516 "$(st lookup \
    '{"parent":"1","name":"l"}' >/dev/null; j .attr.mode)"
ok_eq "rename a directory into itself: EINVAL" EINVAL "$(st rename \
    "{\"parent\":\"1\",\"name\":\"d\",\"newparent\":\"$D\",\"newname\":\"x\"}" \
    >/dev/null; err)"
ok_eq "rename bad flags: 400" 400 "$(st rename \
    '{"parent":"1","name":"l","newparent":"1","newname":"q","flags":3}')"
ok_eq "rename a file onto a directory: EISDIR" EISDIR "$(st rename \
    '{"parent":"1","name":"c","newparent":"1","newname":"d"}' >/dev/null; err)"
ok_eq "rename from a missing name: 404" 404 "$(st rename \
    '{"parent":"1","name":"zz","newparent":"1","newname":"q"}')"
ok_eq "unlink d/g" 200 "$(st unlink "{\"parent\":\"$D\",\"name\":\"g\"}")"
ok_eq "unlink: nlink back to 1" 1 "$(st getattr "{\"ino\":\"$F\"}" >/dev/null;
    j .attr.nlink)"

# ---- readdir ----------------------------------------------------------------
ok_eq "readdir root, 2 entries" 200 "$(st readdir '{"ino":"1","limit":2}')"
ok_eq "readdir: . and .. first" ". .." "$(j '[.entries[].name] | join(" ")')"
ok_eq "readdir: not at the end" false "$(j .eof)"
cookie=$(j '.entries[-1].cookie')
ok_eq "readdir resumes" 200 "$(st readdir "{\"ino\":\"1\",\"cookie\":\"$cookie\"}")"
ok_eq "readdir: the rest, with attributes" "c d l p" \
    "$(j '[.entries[].name] | sort | join(" ")')"
ok_eq "readdir: attributes included" "$D" \
    "$(j '.entries[] | select(.name == "d") | .attr.ino')"
ok_eq "readdir: at the end" true "$(j .eof)"
ok_eq "readdir limit 0: 400" 400 "$(st readdir '{"ino":"1","limit":0}')"
ok_eq "readdir limit 1025: 400" 400 "$(st readdir '{"ino":"1","limit":1025}')"
ok_eq "readdir of a file: ENOTDIR" ENOTDIR "$(st readdir \
    "{\"ino\":\"$F\"}" >/dev/null; err)"

# ---- statfs ------------------------------------------------------------------
ok_eq "statfs" 200 "$(st statfs '{}')"
ok_eq "statfs: block size" 4194304 "$(j .block_size)"
ok_eq "statfs: name_max" 255 "$(j .name_max)"

# ---- xattrs -------------------------------------------------------------------
v=$(printf 'hello\0world' | base64 -w0)
ok_eq "setxattr" 200 "$(st setxattr "{\"ino\":\"$F\",\"name\":\"user.a\",\"value\":\"$v\"}")"
ok_eq "getxattr" 200 "$(st getxattr "{\"ino\":\"$F\",\"name\":\"user.a\"}")"
ok_eq "getxattr: binary value" "$v" "$(j .value)"
ok_eq "listxattr" '["user.a"]' "$(st listxattr "{\"ino\":\"$F\"}" >/dev/null;
    jq -c .names <"$CLUSTER_DIR/body")"
ok_eq "setxattr CREATE existing: EEXIST" EEXIST "$(st setxattr \
    "{\"ino\":\"$F\",\"name\":\"user.a\",\"value\":\"\",\"flags\":1}" >/dev/null; err)"
ok_eq "setxattr REPLACE absent: ENODATA" ENODATA "$(st setxattr \
    "{\"ino\":\"$F\",\"name\":\"user.b\",\"value\":\"\",\"flags\":2}" >/dev/null; err)"
ok_eq "setxattr bad base64: 400" 400 "$(st setxattr \
    "{\"ino\":\"$F\",\"name\":\"user.b\",\"value\":\"**\"}")"
ok_eq "getxattr absent: ENODATA" ENODATA "$(st getxattr \
    "{\"ino\":\"$F\",\"name\":\"user.b\"}" >/dev/null; err)"
ok_eq "removexattr" 200 "$(st removexattr "{\"ino\":\"$F\",\"name\":\"user.a\"}")"
ok_eq "removexattr again: ENODATA" ENODATA "$(st removexattr \
    "{\"ino\":\"$F\",\"name\":\"user.a\"}" >/dev/null; err)"
ok_eq "replication override on d" 200 "$(st setxattr \
    "{\"ino\":\"$D\",\"name\":\"user.minidfs.replicas\",\"value\":\"$(b64 2)\"}")"
ok_eq "replication override 0: 400" 400 "$(st setxattr \
    "{\"ino\":\"$D\",\"name\":\"user.minidfs.replicas\",\"value\":\"$(b64 0)\"}")"
ok_eq "a new file in d inherits it" "$(b64 2)" "$(st mknod \
    "{\"parent\":\"$D\",\"name\":\"r\",\"mode\":33188}" >/dev/null
    R=$(j .attr.ino)
    st getxattr "{\"ino\":\"$R\",\"name\":\"user.minidfs.replicas\"}" >/dev/null
    j .value)"

# ---- sessions, open, blocks --------------------------------------------------------
S=$(meta_session m1)
ok "a session opens" test -n "$S"
ok_eq "create" 200 "$(st create "{\"parent\":\"1\",\"name\":\"n\",\"mode\":420,\"flags\":66,\"session\":\"$S\"}")"
N=$(j .attr.ino)
FH=$(j .fh)
ok_eq "create: created" true "$(j .created)"
ok "create: a handle" test -n "$FH"
ok_eq "create O_EXCL on it: EEXIST" EEXIST "$(st create \
    "{\"parent\":\"1\",\"name\":\"n\",\"mode\":420,\"flags\":194,\"session\":\"$S\"}" \
    >/dev/null; err)"
ok_eq "create with a bad session: 404 ESRCH" ESRCH "$(st create \
    "{\"parent\":\"1\",\"name\":\"n2\",\"mode\":420,\"session\":\"12345\"}" \
    >/dev/null; err)"
ok_eq "create without a session: 400" 400 "$(st create \
    '{"parent":"1","name":"n2","mode":420}')"
ok_eq "open" 200 "$(st open "{\"ino\":\"$N\",\"flags\":0,\"session\":\"$S\"}")"
FH2=$(j .fh)
ok_eq "open a directory for writing: EISDIR" EISDIR "$(st open \
    "{\"ino\":\"$D\",\"flags\":2,\"session\":\"$S\"}" >/dev/null; err)"
ok_eq "blockmap of an empty file" "[]" "$(st blockmap \
    "{\"ino\":\"$N\",\"first\":\"0\",\"count\":16}" >/dev/null;
    jq -c .chunks <"$CLUSTER_DIR/body")"
ok_eq "blockmap count 0: 400" 400 "$(st blockmap \
    "{\"ino\":\"$N\",\"first\":\"0\",\"count\":0}")"
ok_eq "blockmap of a directory: EISDIR" EISDIR "$(st blockmap \
    "{\"ino\":\"$D\",\"first\":\"0\",\"count\":1}" >/dev/null; err)"
ID=$(printf 'x' | sha256sum | cut -d' ' -f1)
ok_eq "alloc with no dataserver: 502 (none to write to, not a full disk)" 502 \
    "$(st alloc "{\"ino\":\"$N\",\"id\":\"$ID\",\"size\":\"1\"}")"
ok_eq "... EHOSTDOWN" EHOSTDOWN "$(err)"
ok_eq "alloc a bad id: 400" 400 "$(st alloc \
    "{\"ino\":\"$N\",\"id\":\"abc\",\"size\":\"1\"}")"
ok_eq "alloc size over the block size: 400" 400 "$(st alloc \
    "{\"ino\":\"$N\",\"id\":\"$ID\",\"size\":\"4194305\"}")"
ok_eq "commit" 200 "$(st commit "{\"ino\":\"$N\",\"session\":\"$S\",\"size\":\"4194306\",
    \"chunks\":[{\"index\":\"1\",\"id\":\"$ID\",\"len\":\"2\",\"stored\":[]}]}")"
ok_eq "commit: the size" 4194306 "$(j .attr.size)"
ok_eq "blockmap after commit" "1 $ID 2" "$(st blockmap \
    "{\"ino\":\"$N\",\"first\":\"0\",\"count\":16}" >/dev/null;
    j '.chunks[] | "\(.index) \(.id) \(.len)"')"
# open with "map": the answer also holds the blockmap of [0, map)
op() { st open "{\"ino\":\"$1\",\"flags\":0,\"session\":\"$S\"$2}"; }
# rel INO [FH]: releases FH (default: the last answer's)
rel() { st release "{\"ino\":\"$1\",\"fh\":\"${2:-$(j .fh)}\",\"session\":\"$S\"}" >/dev/null; }
ok_eq "open with map" 200 "$(op "$N" ',"map":16')"
ok_eq "open with map: the chunks, size and block size" \
    "1 $ID 2 0|4194306|4194304|4194306" \
    "$(j '[(.chunks[] | "\(.index) \(.id) \(.len) \(.locations | length)"),
    .size, .block_size, .attr.size] | join("|")')"
FH3=$(j .fh)
ok_eq "open with map: as the blockmap answer has them" \
    "$(jq -c '[.size, .block_size, .chunks]' "$CLUSTER_DIR/body")" \
    "$(st blockmap "{\"ino\":\"$N\",\"first\":\"0\",\"count\":16}" >/dev/null
    jq -c '[.size, .block_size, .chunks]' "$CLUSTER_DIR/body")"
rel "$N" "$FH3"
ok_eq "open with map 1: only chunk 0 (a hole here)" '[]|"4194306"' \
    "$(op "$N" ',"map":1' >/dev/null; jq -c '.chunks' "$CLUSTER_DIR/body")|$(jq -c .size "$CLUSTER_DIR/body")"
rel "$N"
ok_eq "open with map $((1024)): 200" 200 "$(op "$N" ',"map":1024')"
rel "$N"
ok_eq "open without map: no map in the answer" "true false false false" \
    "$(op "$N" '' >/dev/null; j '[has("fh"), has("chunks"), has("size"), has("block_size")] | map(tostring) | join(" ")')"
rel "$N"
ok_eq "open a directory with map: 200, no chunks" "200 false" \
    "$(op "$D" ',"map":4') $(j 'has("chunks")')"
rel "$D"
for bad in 0 1025 -1 1.5 '"x"' true '[]' '{}'; do
	ok_eq "open with map $bad: 400 EINVAL" "400 EINVAL" \
	    "$(op "$N" ",\"map\":$bad") $(err)"
done
# (the refused opens registered no handle: the file goes with the last of
# the two handles below)
ok_eq "commit a chunk past the size: 400" 400 "$(st commit \
    "{\"ino\":\"$N\",\"session\":\"$S\",\"size\":\"1\",\"chunks\":[{\"index\":\"9\",\"id\":\"$ID\",\"len\":\"2\"}]}")"
ok_eq "commit without chunks: 400" 400 "$(st commit \
    "{\"ino\":\"$N\",\"session\":\"$S\",\"size\":\"1\"}")"
# commit with "attr": root's deferred attributes in the same write
cattr() {
	st commit "{\"ino\":\"$N\",\"session\":\"$S\",\"size\":\"1\",\"chunks\":[],\"attr\":$1}"
}
ok_eq "commit attr: a string is 400" 400 "$(cattr '"x"')"
ok_eq "commit attr: an array is 400" 400 "$(cattr '[]')"
ok_eq "commit attr: mode not a number is 400" 400 "$(cattr '{"mode":"x"}')"
ok_eq "commit attr: uid past 32 bits is 400" 400 "$(cattr '{"uid":4294967296}')"
ok_eq "commit attr: gid negative is 400" 400 "$(cattr '{"gid":-1}')"
ok_eq "commit attr: bad atime is 400" 400 "$(cattr '{"atime":"soon"}')"
ok_eq "commit attr: size is 400" 400 "$(cattr '{"uid":9,"size":"5"}')"
ok_eq "commit attr: size: EINVAL" EINVAL "$(err)"
ok_eq "commit attr: mtime is 400" 400 "$(cattr '{"uid":9,"mtime":"5"}')"
st getattr "{\"ino\":\"$N\"}" >/dev/null
ok_eq "the refused commits changed nothing" "33188 0 0 4194306" \
    "$(j '"\(.attr.mode) \(.attr.uid) \(.attr.gid) \(.attr.size)"')"
ok_eq "commit attr" 200 "$(cattr '{"mode":18925,"uid":7,"gid":8,"atime":"-5"}')"
ok_eq "commit attr: applied (type kept, setuid kept with mode)" \
    "35309 7 8 -5 4194306" \
    "$(j '"\(.attr.mode) \(.attr.uid) \(.attr.gid) \(.attr.atime) \(.attr.size)"')"
ok_eq "commit attr: uid without mode" 200 "$(cattr '{"uid":9}')"
ok_eq "commit attr: uid without mode clears setuid" "33261 9" \
    "$(j '"\(.attr.mode) \(.attr.uid)"')"
ok_eq "commit attr: in the inode record" "33261 9 8 -5" \
    "$(etcd_get "fs/i/$(printf %016x "$N")" |
    jq -r '"\(.mode) \(.uid) \(.gid) \(.atime)"')"
# an unlinked file lives while open
ok_eq "unlink the open file" 200 "$(st unlink '{"parent":"1","name":"n"}')"
ok_eq "it is still there (orphan)" 0 "$(st getattr "{\"ino\":\"$N\"}" >/dev/null;
    j .attr.nlink)"
ok "its orphan mark is in etcd" eval "etcd_get fs/o/$(printf %016x "$N") >/dev/null"
ok_eq "release one handle" 200 "$(st release "{\"ino\":\"$N\",\"fh\":\"$FH\",\"session\":\"$S\"}")"
ok_eq "still there" 200 "$(st getattr "{\"ino\":\"$N\"}")"
ok_eq "release the last handle" 200 "$(st release "{\"ino\":\"$N\",\"fh\":\"$FH2\",\"session\":\"$S\"}")"
ok_eq "now it is gone" 404 "$(st getattr "{\"ino\":\"$N\"}")"
ok "and its keys are gone from etcd" eval "! etcd_get fs/i/$(printf %016x "$N")"
ok_eq "release an unknown handle: no error" 200 "$(st release \
    "{\"ino\":\"$N\",\"fh\":\"99\",\"session\":\"$S\"}")"

# ---- persisted as documented ---------------------------------------------------
ok_eq "the entry key holds the child" "$(printf %016x "$D")" \
    "$(etcd_get fs/d/0000000000000001/d)"
ok_eq "the inode record" 16877 "$(etcd_get "fs/i/$(printf %016x "$D")" | jq .mode)"

tap_done
