# meta.sh: helpers for the metaserver's cluster tests (sourced after
# cluster.sh).  They speak the routes of common/protocol.h with curl and jq.
#
#   mpost ID PATH JSON           meta_post of cluster.sh: POST JSON to
#                                metaserver ID (signed with CLUSTER_SECRET,
#                                if set); prints the status, body in
#                                $CLUSTER_DIR/body
#   mget ID PATH                 GET; the same
#   jb FILTER                    jq -r FILTER over the last body
#   live_nodes ID                number of live dataservers ID knows
#   put_file ID SESSION NAME FILE   creates NAME in / and writes FILE (one
#                                block) through alloc, a chained PUT and
#                                commit; prints "ino blockid fh"
#   holders BLOCK NODE...        how many of the running NODEs store BLOCK
#   ds_put NODE FILE             PUTs FILE straight to NODE (no metaserver):
#                                an unreferenced block; prints its id

mpost() {
	meta_post "$@"
}

mget() {
	local -a auth
	mapfile -t auth < <(cluster_auth)
	curl -s -m 30 -o "$CLUSTER_DIR/body" -w '%{http_code}' "${auth[@]}" \
	    "$(meta_url "$1" "$2")"
}

jb() {
	jq -r "$1" <"$CLUSTER_DIR/body"
}

live_nodes() {
	curl -s -m 5 "$(meta_url "$1" /v1/nodes)" |
	    jq '[.nodes[] | select(.state == "live")] | length'
}

put_file() {
	local m=$1 s=$2 name=$3 file=$4 id size ino fh code chain head rest
	id=$(blockid "$file")
	size=$(stat -c %s "$file")
	code=$(mpost "$m" /v1/fs/create "{\"parent\":\"1\",\"name\":\"$name\",
	    \"mode\":33188,\"flags\":1,\"session\":\"$s\"}")
	[ "$code" = 200 ] || { tap_diag "create $name: $code $(body)"; return 1; }
	ino=$(jb .attr.ino)
	fh=$(jb .fh)
	code=$(mpost "$m" /v1/fs/alloc "{\"ino\":\"$ino\",\"id\":\"$id\",
	    \"size\":\"$size\"}")
	[ "$code" = 200 ] || { tap_diag "alloc: $code $(body)"; return 1; }
	head=$(jb '.chain[0].addr')
	rest=$(jb '[.chain[1:][].addr] | join(",")')
	if [ "$(jb .present)" != true ]; then
		code=$(curl -s -m 60 -o "$CLUSTER_DIR/put" -w '%{http_code}' \
		    -X PUT --data-binary "@$file" \
		    ${rest:+-H "X-Minidfs-Chain: $rest"} \
		    "http://$head/v1/blocks/$id")
		case $code in 200|201) ;;
		*) tap_diag "PUT: $code $(cat "$CLUSTER_DIR/put")"; return 1 ;;
		esac
		chain=$(jq -c '[.stored[].id]' <"$CLUSTER_DIR/put")
	else
		chain=$(jq -c '[.chain[].id]' <"$CLUSTER_DIR/body")
	fi
	code=$(mpost "$m" /v1/fs/commit "{\"ino\":\"$ino\",\"session\":\"$s\",
	    \"size\":\"$size\",\"chunks\":[{\"index\":\"0\",\"id\":\"$id\",
	    \"len\":\"$size\",\"stored\":$chain}]}")
	[ "$code" = 200 ] || { tap_diag "commit: $code $(body)"; return 1; }
	echo "$ino $id $fh"
}

holders() {
	local b=$1 n c=0
	shift
	for n in "$@"; do
		node_alive "$n" && [ -f "$(block_path "$n" "$b")" ] &&
		    c=$((c + 1))
	done
	echo "$c"
}

ds_put() {
	local id code
	id=$(blockid "$2")
	code=$(curl -s -m 60 -o /dev/null -w '%{http_code}' -X PUT \
	    --data-binary "@$2" "$(ds_url "$1" "/v1/blocks/$id")")
	case $code in 200|201) echo "$id" ;; *) return 1 ;; esac
}
