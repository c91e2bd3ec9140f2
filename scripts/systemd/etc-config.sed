# Turns config/camwatch.example.yaml into /etc/camwatch/camwatch.yaml for the systemd install
# (scripts/install-service.sh; tested by test/integration/cli-install-service.test.ts). Relative paths in a
# config are relative to the config file, so "../x" meant /opt/camwatch/x; in /etc they must be absolute.
# The store goes to the unit's StateDirectory.
s#^\([[:space:]]*dataDir:[[:space:]]*\)\.\./var\([[:space:]]\|$\)#\1/var/lib/camwatch\2#
s#^\([[:space:]]*\(dir\|manifest\|file\):[[:space:]]*\)\.\./#\1/opt/camwatch/#
