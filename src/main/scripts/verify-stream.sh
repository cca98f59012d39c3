#!/usr/bin/env bash
# Checks a packaged stream without a browser: downloads the MPD and every segment of each track,
# decrypts the track with the key, and compares its packets one by one with the source file's.
#
#   src/main/scripts/verify-stream.sh SOURCE.mp4 MPD_URL KID KEY
#
# KID and KEY as the API takes them (unpadded base64url, padded base64 or 32 hex digits).
# Needs curl, ffmpeg and Shaka Packager (PACKAGER, default: the one the build installs).
set -euo pipefail

if [ "$#" -ne 4 ]; then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
source_file=$1 mpd_url=$2 kid=$3 key=$4
here=$(cd "$(dirname "$0")/../../.." && pwd)
packager=${PACKAGER:-$here/src/main/npm/node_modules/shaka-packager/bin/packager-linux-x64}

to_hex() {
  local v=$1
  if [[ $v =~ ^[0-9a-fA-F]{32}$ ]]; then
    printf '%s' "${v,,}"
    return
  fi
  v=${v//-/+}
  v=${v//_//}
  while [ $(( ${#v} % 4 )) -ne 0 ]; do v="$v="; done
  printf '%s' "$v" | base64 -d | od -An -tx1 | tr -d ' \n'
}

kid_hex=$(to_hex "$kid")
key_hex=$(to_hex "$key")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
base=${mpd_url%/*}

curl -fsS "$mpd_url" -o "$work/stream.mpd"
echo "MPD: $(grep -c '<AdaptationSet' "$work/stream.mpd") adaptation sets;" \
  "cbcs: $(grep -c 'value="cbcs"' "$work/stream.mpd");" \
  "default_KID: $(grep -o 'default_KID="[^"]*"' "$work/stream.mpd" | sort -u | tr '\n' ' ')"

packets() { # file stream -> one packet hash per line
  ffmpeg -v quiet -nostdin -i "$1" -map "0:${2:0:1}" -c copy -f framemd5 - 2>/dev/null | grep -E '^[0-9]+,' | cut -d, -f6 | tr -d ' '
}

status=0
for track in video audio; do
  init=$(grep -A20 "contentType=\"$track\"" "$work/stream.mpd" | grep -o 'initialization="[^"]*"' | head -n1 | cut -d'"' -f2)
  media=$(grep -A20 "contentType=\"$track\"" "$work/stream.mpd" | grep -o 'media="[^"]*"' | head -n1 | cut -d'"' -f2)
  curl -fsS "$base/$init" -o "$work/$track.mp4"
  n=1
  while curl -fsS "$base/${media//\$Number\$/$n}" -o "$work/segment" 2>/dev/null; do
    cat "$work/segment" >> "$work/$track.mp4"
    n=$((n + 1))
  done
  "$packager" "in=$work/$track.mp4,stream=$track,output=$work/$track-clear.mp4" \
    --enable_raw_key_decryption --keys "label=:key_id=$kid_hex:key=$key_hex" > "$work/$track.log" 2>&1 \
    || { echo "$track: decryption failed:"; tail -n 3 "$work/$track.log"; status=1; continue; }
  packets "$source_file" "$track" > "$work/$track-source.txt"
  packets "$work/$track-clear.mp4" "$track" > "$work/$track-decrypted.txt"
  packets "$work/$track.mp4" "$track" > "$work/$track-encrypted.txt"
  total=$(wc -l < "$work/$track-source.txt")
  if cmp -s "$work/$track-source.txt" "$work/$track-decrypted.txt"; then
    changed=$(paste -d' ' "$work/$track-source.txt" "$work/$track-encrypted.txt" | awk '$1 != $2' | wc -l)
    echo "$track: $((n - 1)) segments; $total packets decrypt to exactly the source's ($changed of them were encrypted)"
  else
    echo "$track: MISMATCH: decrypted packets differ from the source's"
    status=1
  fi
done
exit "$status"
