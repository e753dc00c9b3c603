#!/usr/bin/env bash
# Installs what chaoslab's tests, demo and benchmarks need on a Debian machine, idempotently:
# OpenSSH (real sshd for transport tests), PostgreSQL (telemetry observer tests), Chromium
# (browser observer and HTML scorecard tests), pywinrm (independent WinRM client), and the
# container engine (Podman + runc + debootstrap, configured by scripts/setup-engine.sh), and
# Prometheus, Pushgateway and Alertmanager (the metrics reporter, PromQL observer and halt-condition tests),
# and PowerShell 7 + Pester through the .NET SDK (scripts/setup-pwsh.sh), and MIT Kerberos (kinit for
# WinRM auth: kerberos, a real KDC for its tests, libkrb5-dev to build the optional npm package kerberos, and
# requests-kerberos so pywinrm can log in to the Kerberos test listener).
# Usage: scripts/setup.sh [--no-engine]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

packages=(openssh-server openssh-client postgresql chromium python3-winrm podman runc debootstrap iptables uidmap curl ca-certificates libxml2-utils openssl prometheus prometheus-pushgateway prometheus-alertmanager poppler-utils krb5-user krb5-kdc krb5-admin-server libkrb5-dev python3-requests-kerberos)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    echo "chaoslab setup: missing packages: ${missing[*]}" >&2
    echo "install them with your package manager (this script installs them itself only as root on Debian/Ubuntu)" >&2
    exit 1
  fi
  echo "chaoslab setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # sshd and postgresql must not start system-wide services here: tests start their own on 127.0.0.1.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi

# The optional npm package `kerberos` (GSSAPI for WinRM auth: kerberos) compiles against libkrb5-dev.
# On a fresh machine `npm ci` ran before this script installed it, so npm left the package out: build it
# now, from source (its prebuilt binaries are downloads from outside the npm registry).
root=$(cd "$here/.." && pwd)
if ! (cd "$root" && node -e "require('kerberos')") >/dev/null 2>&1; then
  echo "chaoslab setup: building the optional npm package kerberos"
  if [[ -d $root/node_modules/kerberos ]]; then
    # present but not built (installed with --ignore-scripts, or before libkrb5-dev): build it in place
    (cd "$root" && export npm_config_build_from_source=true && npm rebuild kerberos >/dev/null)
  else
    (cd "$root" && export npm_config_build_from_source=true && npm install --no-save --no-audit --no-fund "kerberos@$(node -p "require('./package.json').optionalDependencies.kerberos")" >/dev/null)
  fi
fi

# Real PowerShell 7 and Pester: the Windows scripts are executed, not only read (scripts/setup-pwsh.sh).
bash "$here/setup-pwsh.sh" >/dev/null

if [[ "${1:-}" != "--no-engine" ]]; then
  bash "$here/setup-engine.sh"
fi
echo "chaoslab setup: ok"
