#!/usr/bin/env bash
# Lays out the config folder of the systemd install (called by scripts/install-service.sh; tested by
# test/integration/cli-install-service.test.ts against a temporary folder). docs/operations.md says why:
#   <etc>/                          root:camwatch 0750   read-only to the agent (unit: ReadOnlyPaths=)
#   <etc>/secrets/                  root:camwatch 0750   passwords, keys, tokens: the agent reads, never writes
#   <etc>/editable/                 camwatch:camwatch 0750  the one folder the agent may write (ReadWritePaths=)
#   <etc>/editable/camwatch.yaml    camwatch:camwatch 0640  the config, saved by the web console
#   <etc>/camwatch.yaml -> editable/camwatch.yaml   the path the unit, the docs and the technicians use;
#                                   relative paths in the config still resolve against <etc>
# Upgrade from the layout before (a plain file <etc>/camwatch.yaml): the file is moved (renamed: same inode,
# so content, comments and mode are kept) into editable/ and the link put in its place. Idempotent: a second
# run changes nothing. A plain file found beside an existing editable/camwatch.yaml (the link was replaced by
# `sed -i` or an editor) is the one the agent ran on: it wins, the other is kept as camwatch.yaml.before-<time>.
# Usage: config-layout.sh <etc-dir> <new-config> [agent-user [agent-group [admin-user]]]
#   <new-config>: written as the config only when there is none yet.
set -euo pipefail
etc="$1"
new_config="$2"
user="${3:-camwatch}"
group="${4:-$user}"
admin="${5:-root}"
link="$etc/camwatch.yaml"
editable="$etc/editable"
live="$editable/camwatch.yaml"
target="editable/camwatch.yaml"

install -d -m 0750 -o "$admin" -g "$group" "$etc" "$etc/secrets"
install -d -m 0750 -o "$user" -g "$group" "$editable"
# The agent may write editable/: a link it planted there must not make this root script chown or chmod
# whatever it points to (a secret, /etc/shadow).
if [ -L "$live" ]; then
  echo "$live is a symlink (to $(readlink "$live")); expected the config file itself: replace it with the file, then run again" >&2
  exit 1
fi

put_link() {
  ln -sfn "$target" "$etc/.camwatch.yaml.link"
  mv -fT "$etc/.camwatch.yaml.link" "$link" # rename: the config path is never missing, even for a moment
}

if [ -L "$link" ]; then
  if [ "$(readlink "$link")" != "$target" ]; then
    echo "note: $link points to $(readlink "$link"), not $target: left as it is; the console saves only if the agent may write there" >&2
  elif [ ! -e "$live" ]; then
    install -m 0640 -o "$user" -g "$group" "$new_config" "$live"
    echo "wrote $live from the example: edit cameras and mqtt (docs/operations.md)"
  fi
elif [ -f "$link" ]; then
  if [ -e "$live" ]; then
    kept="$live.before-$(date -u +%Y%m%dT%H%M%SZ)"
    mv "$live" "$kept"
    echo "note: $link was a plain file again; it is the config now, the previous $live is kept as $kept" >&2
  fi
  mv "$link" "$live"
  put_link
  echo "moved $link to $live (the agent may save it from the console); $link links to it"
elif [ -e "$link" ]; then
  echo "$link is neither a file nor a symlink: move it away, then run again" >&2
  exit 1
else
  if [ ! -e "$live" ]; then
    install -m 0640 -o "$user" -g "$group" "$new_config" "$live"
    echo "wrote $live from the example: edit cameras and mqtt (docs/operations.md)"
  fi
  put_link
fi

chgrp -R "$group" "$etc"
chown -h "$admin:$group" "$link"
# Secrets stay the admin's: the agent's user reads them through the group, and may not change them even if a
# file was once created as that user.
chown -R "$admin" "$etc/secrets"
chmod -R g-w,o-rwx "$etc/secrets"
if [ -f "$live" ]; then
  chown "$user:$group" "$live"
  # Kept as it was, except that the agent must be able to read and write it, and others not at all.
  chmod u+rw,o-rwx "$live"
fi
