#!/bin/bash
# config: minidfs-metaserver's options -- -n prints the effective
# configuration and exits 0, -h lists every key, overrides apply after -c,
# and every kind of bad configuration is refused with a message naming it.
# TIMEOUT: 60
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/cluster.sh"
cluster_init
M=$METASERVER_BIN
[ -x "$M" ] || tap_bail "$M not built"
C=$CLUSTER_DIR/m.yaml

out=$("$M" -c "$top_srcdir/etc/metaserver.yaml" -n 2>&1)
ok_eq "-n with the example config exits 0" 0 $?
ok "-n prints the listen address" grep -q '^server.listen_address: "127.0.0.1:8000"' <<<"$out"
ok "-n prints the block size in bytes" grep -q '^blocks.block_size: 4194304' <<<"$out"
out=$("$M" -c "$top_srcdir/etc/metaserver.yaml" --blocks.block_size=1M \
    --election.lease_ttl 4 -n 2>&1)
ok "an override after -c wins" grep -q '^blocks.block_size: 1048576' <<<"$out"
ok "the two-argument form works" grep -q '^election.lease_ttl: 4' <<<"$out"
out=$("$M" -n 2>&1)
ok "without -c: the defaults" grep -q '^etcd.endpoints: \["127.0.0.1:2379"\]' <<<"$out"
ok "advertise defaults to listen" grep -q '^server.advertise_address: "127.0.0.1:8000"' <<<"$out"
out=$("$M" -h 2>&1)
ok_eq "-h exits 0" 0 $?
ok "-h lists the cluster keys" grep -q 'cluster.replicas' <<<"$out"

printf 'server:\n  listen_address: "x"\n  bogus: 1\nelection:\n  lease_ttl: 1\n' >"$C"
out=$("$M" -c "$C" -n 2>&1)
ok_eq "a bad file exits 1" 1 $?
ok "an unknown key is named with its line" grep -q 'm.yaml:3.*server.bogus' <<<"$out"
ok "an out-of-range value is named too" grep -q 'election.lease_ttl' <<<"$out"
out=$("$M" -c "$CLUSTER_DIR/absent.yaml" -n 2>&1)
ok_eq "a missing file exits 1" 1 $?
out=$("$M" --nope=1 2>&1)
ok_eq "an unknown option exits 1" 1 $?
ok "and says so" grep -q 'unknown argument: --nope=1' <<<"$out"
out=$("$M" --blocks.block_size=12X -n 2>&1)
ok_eq "a bad size exits 1" 1 $?
out=$("$M" --server.tls_cert_file=/x -n 2>&1)
ok_eq "a certificate without a key exits 1" 1 $?
out=$("$M" -c 2>&1)
ok_eq "-c without a file exits 1" 1 $?
printf 'x' >"$CLUSTER_DIR/secret"
chmod 600 "$CLUSTER_DIR/secret"
out=$("$M" --security.secret_file="$CLUSTER_DIR/secret" -n 2>&1)
ok_eq "a too short secret exits 1" 1 $?
tap_done
