#!/usr/bin/env bash
# Installs Debian's Dovecot IMAP server for the Maildir interop test (MaildirDovecotInteropTests), which runs the
# `imap` binary daemon-less as `nobody` over stdin/stdout; no Dovecot service is started or configured here.
# Idempotent. The test itself runs in `swift test`, as root; with CI set it fails rather than skips without Dovecot.
set -euo pipefail

if [ ! -x /usr/lib/dovecot/imap ]; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends dovecot-imapd
fi

test -x /usr/lib/dovecot/imap || { echo "dovecot-imapd did not install /usr/lib/dovecot/imap" >&2; exit 1; }
command -v setpriv >/dev/null || { echo "setpriv (util-linux) is missing" >&2; exit 1; }
id nobody >/dev/null || { echo "the user nobody is missing" >&2; exit 1; }
getent group nogroup >/dev/null || { echo "the group nogroup is missing" >&2; exit 1; }
echo "dovecot $(dovecot --version 2>/dev/null || echo '(version unknown)') ready for the Maildir interop test"
