#!/usr/bin/env bash
# Makes OrgIdentity's key material with openssl: a signing and an encryption
# certificate (RSA, self-signed) as PFX with a password and as PEM certificate +
# PEM private key, and a TLS certificate for the load balancer of
# docker-compose.yml. Prints the OrgIdentity__Keys__... settings to use.
#
#   certs/make-certs.sh [-o DIR] [-d DAYS] [-t TLS_NAME]...
#
#   -o DIR   where the files go (default: the folder of this script, certs/)
#   -d DAYS  validity of the signing and encryption certificates (default 730)
#   -t NAME  a DNS name or IP address for the TLS certificate (repeatable;
#            default: localhost and 127.0.0.1)
#
# The PFX password is $ORGIDENTITY_KEY_PASSWORD when set, otherwise a random one
# that is printed once. The script never overwrites a file: make a new set for a
# rotation in another folder (-o certs/2026-01).
# Private keys never go into git (.gitignore: *.pfx, *.key, *.pem).
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out_dir="$script_dir"
shown_dir="certs"     # how the printed settings name the folder (relative to the working directory)
days=730
tls_names=()

usage() { sed -n '7,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while getopts ':o:d:t:h' option; do
  case "$option" in
    o) out_dir="$OPTARG"; shown_dir="${OPTARG%/}" ;;
    d) days="$OPTARG" ;;
    t) tls_names+=("$OPTARG") ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
(($# == 0)) || usage
[[ "$days" =~ ^[1-9][0-9]*$ ]] || { echo "make-certs: -d takes a number of days, not '$days'." >&2; exit 2; }
((${#tls_names[@]})) || tls_names=(localhost 127.0.0.1)
command -v openssl >/dev/null || { echo "make-certs: openssl is not installed." >&2; exit 1; }

files=(signing.key signing.pem signing.pfx encryption.key encryption.pem encryption.pfx tls.key tls.pem)

# Refuse before making anything: existing keys may be the ones in use.
mkdir -p "$out_dir"
existing=()
for file in "${files[@]}"; do
  [[ ! -e "$out_dir/$file" ]] || existing+=("$out_dir/$file")
done
if ((${#existing[@]})); then
  printf 'make-certs: refusing to overwrite existing key material:\n' >&2
  printf '  %s\n' "${existing[@]}" >&2
  printf 'Move them away, or make a new set in another folder with -o DIR.\n' >&2
  exit 1
fi

password="${ORGIDENTITY_KEY_PASSWORD:-}"
generated_password=false
if [[ -z "$password" ]]; then
  password="$(openssl rand -hex 24)"   # hex: safe in .env files, YAML and shells
  generated_password=true
fi
export MAKE_CERTS_PASSWORD="$password"  # openssl reads it from the environment, never from the command line

umask 077
work="$(mktemp -d "$out_dir/.make-certs.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# make_pair NAME "CN" "extensions": an RSA key (PKCS#8 PEM), a self-signed certificate (PEM) and a PFX of both.
make_pair() {
  local name="$1" subject="$2" extensions="$3" validity="$4"
  cat >"$work/$name.cnf" <<EOF
[req]
prompt = no
distinguished_name = dn
x509_extensions = ext
[dn]
CN = $subject
[ext]
basicConstraints = critical, CA:FALSE
subjectKeyIdentifier = hash
$extensions
EOF
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/$name.key" 2>/dev/null
  openssl req -new -x509 -config "$work/$name.cnf" -key "$work/$name.key" -sha256 -days "$validity" \
    -out "$work/$name.pem"
  rm "$work/$name.cnf"
}

make_pair signing "OrgIdentity signing" "keyUsage = critical, digitalSignature" "$days"
make_pair encryption "OrgIdentity encryption" "keyUsage = critical, keyEncipherment" "$days"
for name in signing encryption; do
  openssl pkcs12 -export -in "$work/$name.pem" -inkey "$work/$name.key" -name "OrgIdentity $name" \
    -passout env:MAKE_CERTS_PASSWORD -out "$work/$name.pfx"
done

san=()
for tls_name in "${tls_names[@]}"; do
  if [[ "$tls_name" =~ ^[0-9.]+$ || "$tls_name" == *:* ]]; then san+=("IP:$tls_name"); else san+=("DNS:$tls_name"); fi
done
san_list="$(IFS=,; echo "${san[*]}")"
# Browsers refuse server certificates valid for more than 398 days.
make_pair tls "${tls_names[0]}" "keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $san_list" 397

chmod 644 "$work"/*.pem    # certificates are public; keys and PFX files stay 600
for file in "${files[@]}"; do
  mv -n "$work/$file" "$out_dir/$file" || true
  [[ ! -e "$work/$file" ]] || { echo "make-certs: $out_dir/$file appeared while this ran; nothing of it was replaced." >&2; exit 1; }
done

cat <<EOF
Made in $out_dir:
  signing.pfx     signing certificate and key (PFX, password below)
  signing.pem     signing certificate; signing.key its private key (PEM)
  encryption.pfx  encryption certificate and key (PFX, password below)
  encryption.pem  encryption certificate; encryption.key its private key (PEM)
  tls.pem         TLS certificate for the load balancer ($san_list); tls.key its private key
Signing and encryption certificates are valid for $days days, the TLS certificate for 397.

Settings (paths are relative to the server's working directory; /app in the container).
Signing from the PFX, encryption from the PEM files, as docker-compose.yml does:

  OrgIdentity__Keys__Signing__0__Path=$shown_dir/signing.pfx
  OrgIdentity__Keys__Signing__0__Password=$password
  OrgIdentity__Keys__Encryption__0__Path=$shown_dir/encryption.pem
  OrgIdentity__Keys__Encryption__0__KeyPath=$shown_dir/encryption.key

Either certificate may come from either form instead:

  OrgIdentity__Keys__Signing__0__Path=$shown_dir/signing.pem
  OrgIdentity__Keys__Signing__0__KeyPath=$shown_dir/signing.key
  OrgIdentity__Keys__Encryption__0__Path=$shown_dir/encryption.pfx
  OrgIdentity__Keys__Encryption__0__Password=$password

EOF
if $generated_password; then
  cat <<EOF
The PFX password was generated and is shown only here. For docker-compose.yml, put it in .env:

  ORGIDENTITY_KEY_PASSWORD=$password

EOF
fi
cat <<EOF
The private keys are readable by you only (mode 600). The server container runs as uid and gid
1654 (the .NET image's "app" user); before docker compose up, let that group read the two it loads:

  sudo chgrp 1654 $out_dir/signing.pfx $out_dir/encryption.key
  chmod 640 $out_dir/signing.pfx $out_dir/encryption.key
EOF
