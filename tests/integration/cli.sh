#!/bin/sh
# cli.sh - dsmtp's command line without a server: the shell completions
# and the manuals against --help (every option listed is offered by each
# completion and documented in dsmtp(1) and the info manual), the
# completions' syntax, real bash and fish completion runs, and the exit
# codes and output of the modes that need no relay (--store-password
# against a stand-in keyring helper).
#
# TAP. Run by automake with sh; DSMTP is the built binary, DSMTP_SRCDIR
# the source top directory. POSIX sh (dash) only.

if [ -z "${DSMTP:-}" ] || [ -z "${DSMTP_SRCDIR:-}" ]; then
	echo "Bail out! DSMTP and DSMTP_SRCDIR must be set"
	exit 1
fi

comp=$DSMTP_SRCDIR/completions
bashfile=$comp/dsmtp.bash
zshfile=$comp/_dsmtp
fishfile=$comp/dsmtp.fish
manpage=$DSMTP_SRCDIR/doc/dsmtp.1
texifile=$DSMTP_SRCDIR/doc/dsmtp.texi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dsmtp-cli.XXXXXX") || {
	echo "Bail out! cannot create a temporary directory"
	exit 1
}
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# Nothing from the user running the tests: no configuration, no locale.
mkdir "$tmp/home"
HOME=$tmp/home
LC_ALL=C
export HOME LC_ALL
unset XDG_CONFIG_HOME LANGUAGE

plan=34
n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
}

skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# Print a file as TAP diagnostics.
diag() {
	sed 's/^/# /' "$1"
}

# check DESCRIPTION COMMAND...: one test point, passing when COMMAND does.
check() {
	desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc"
	fi
}

have() {
	command -v "$1" >/dev/null 2>&1
}

# Does completion FILE of shell KIND (bash, zsh, fish) offer option OPT,
# or does manual FILE of KIND (man, texi) document it?
# bash: OPT as a word of its own (so -i is not found in -oi or
# --read-envelope-from). zsh: an _arguments spec for OPT ("-N+[...",
# "--host=[...", "--tls=-[...", "{-a+,--account=}[..."), not a mention in
# an exclusion list. fish: "-s X" for -X, "-o XY" for -XY, "-l NAME" for --NAME.
# man: OPT written with roff's "\-" for each hyphen, not followed by
# another letter. texi: an "@item" or "@itemx" entry for OPT (also
# "--tls[=on|off]").
mentions() {
	kind=$1 file=$2 opt=$3
	if [ "$kind" = man ]; then
		roff=$(printf '%s\n' "$opt" | sed 's/-/\\\\-/g')
		re="(^|[^A-Za-z0-9-])$roff(\$|[^A-Za-z0-9\\])"
	elif [ "$kind" = texi ]; then
		re="^@itemx? $opt([ =[]|\$)"
	elif [ "$kind" = zsh ]; then
		re="(^|[^A-Za-z0-9-])${opt}[-+=]{0,2}[[,}]"
	elif [ "$kind" = fish ]; then
		case $opt in
		--*) re="(-l|--long-option)[[:space:]]+${opt#--}" ;;
		-?) re="(-s|--short-option)[[:space:]]+${opt#-}" ;;
		*) re="(-o|--old-option)[[:space:]]+${opt#-}" ;;
		esac
		re="(^|[[:space:]])$re([[:space:]]|\$)"
	else
		re="(^|[^A-Za-z0-9-])$opt(\$|[^A-Za-z0-9])"
	fi
	grep -Eq -e "$re" "$file"
}

# Every option of $tmp/options is in completion FILE of shell KIND.
covers() {
	kind=$1 file=$2
	if [ ! -f "$file" ]; then
		echo "# $file is missing"
		return 1
	fi
	: >"$tmp/missing"
	while read -r opt; do
		mentions "$kind" "$file" "$opt" || echo "$opt" >>"$tmp/missing"
	done <"$tmp/options"
	if [ -s "$tmp/missing" ]; then
		echo "# not in $file:"
		diag "$tmp/missing"
		return 1
	fi
	return 0
}

# bash_complete WORD...: run the bash completion for the command line
# WORD... (the last word is the one being completed) and print the
# candidates, one a line.
bash_complete() {
	bash -c '
		file=$1
		shift
		. "$file" || exit 2
		spec=$(complete -p "$1") || exit 3
		fn=${spec#*-F }
		fn=${fn%% *}
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" \
			"${COMP_WORDS[COMP_CWORD - 1]}" || exit 4
		if [ ${#COMPREPLY[@]} -gt 0 ]; then
			printf "%s\n" "${COMPREPLY[@]}"
		fi
	' bash "$bashfile" "$@"
}

# fish_complete LINE: the candidates fish offers for LINE. Without the
# user's or the system's fish configuration when fish can (3.3 and later).
fish_complete() {
	fishopt=
	fish --no-config -c true >/dev/null 2>&1 && fishopt=--no-config
	# shellcheck disable=SC2016 # fish expands $argv, not sh
	fish $fishopt -c 'source $argv[1]; and complete -C $argv[2]' \
		"$fishfile" "$1" | cut -f1
}

# offers OUTPUT WORD...: OUTPUT (a file of candidates) holds every WORD.
offers() {
	out=$1
	shift
	for w in "$@"; do
		if ! grep -qx -e "$w" "$out"; then
			echo "# '$w' not offered; got:"
			diag "$out"
			return 1
		fi
	done
	return 0
}

# lacks OUTPUT WORD...: OUTPUT holds none of WORD.
lacks() {
	out=$1
	shift
	for w in "$@"; do
		if grep -qx -e "$w" "$out"; then
			echo "# '$w' offered"
			return 1
		fi
	done
	return 0
}

# run_dsmtp ARG...: run dsmtp with no input; exit status in $rc, output
# in $tmp/out and $tmp/err.
run_dsmtp() {
	rc=0
	"$DSMTP" "$@" </dev/null >"$tmp/out" 2>"$tmp/err" || rc=$?
}

# expect_rc WANT: $rc is WANT, else say what happened.
expect_rc() {
	if [ "$rc" -ne "$1" ]; then
		echo "# exit status $rc, expected $1; stderr:"
		diag "$tmp/err"
		return 1
	fi
	return 0
}

# An account file for the account-name completions.
printf '%s\n' '# account commented' defaults 'account work' \
	'account	home : work   # the second one' 'account relay:work' \
	>"$tmp/home/.dsmtprc"

# A stand-in dsmtp whose --version names another system file.
mkdir -p "$tmp/sysbin"
printf 'account sysacct\nhost mail.example.org\n' >"$tmp/sysrc"
printf '#!/bin/sh\necho "System configuration file: %s"\n' "$tmp/sysrc" \
	>"$tmp/sysbin/dsmtp"
chmod +x "$tmp/sysbin/dsmtp"

echo "1..$plan"

# --help: the options every completion file must offer. The option column
# of an indented line is "-x, --long=ARG" or "-x ARG": option words up to
# the first one that does not end in a comma.
run_dsmtp --help
if expect_rc 0 && grep -q '^Usage: ' "$tmp/out" && [ ! -s "$tmp/err" ]; then
	ok "--help exits 0 and prints the usage on stdout only"
else
	not_ok "--help exits 0 and prints the usage on stdout only"
fi
awk '/^ +-/ {
	for (i = 1; i <= NF; i++) {
		w = $i
		more = sub(/,$/, "", w)
		if (w !~ /^-/)
			break
		sub(/\[?=.*/, "", w)
		print w
		if (!more)
			break
	}
}' "$tmp/out" >"$tmp/options"
nopts=$(wc -l <"$tmp/options")
if [ "$nopts" -ge 20 ] &&
	grep -qx -e --account "$tmp/options" &&
	grep -qx -e -t "$tmp/options" && grep -qx -e -oi "$tmp/options" &&
	grep -qx -e -bp "$tmp/options" && grep -qx -e -a "$tmp/options"; then
	ok "--help lists the options ($nopts found)"
else
	not_ok "--help lists the options ($nopts found)"
	diag "$tmp/options"
fi

check "dsmtp.bash offers every option --help lists" \
	covers bash "$bashfile"
check "_dsmtp offers every option --help lists" covers zsh "$zshfile"
check "dsmtp.fish offers every option --help lists" covers fish "$fishfile"
check "dsmtp.1 documents every option --help lists" covers man "$manpage"
check "dsmtp.texi documents every option --help lists" \
	covers texi "$texifile"

# Syntax.
if have bash; then
	check "bash -n dsmtp.bash" bash -n "$bashfile"
else
	skip "bash -n dsmtp.bash" "bash not installed"
fi
if have zsh; then
	check "zsh -n _dsmtp" zsh -n "$zshfile"
else
	skip "zsh -n _dsmtp" "zsh not installed"
fi
if have fish; then
	check "fish -n dsmtp.fish" fish -n "$fishfile"
else
	skip "fish -n dsmtp.fish" "fish not installed"
fi

# Real completion runs.
if have bash; then
	bash_complete dsmtp --ac >"$tmp/c" 2>&1
	check "bash: dsmtp --ac offers --account" offers "$tmp/c" --account
	bash_complete dsmtp -N '' >"$tmp/c" 2>&1
	check "bash: dsmtp -N offers never, success, failure, delay" \
		offers "$tmp/c" never success failure delay
	bash_complete dsmtp -N success, >"$tmp/c" 2>&1
	if offers "$tmp/c" success,failure success,delay &&
		lacks "$tmp/c" success,success success,never; then
		ok "bash: dsmtp -N success, offers the unused conditions"
	else
		not_ok "bash: dsmtp -N success, offers the unused conditions"
	fi
	bash_complete dsmtp -a '' >"$tmp/c" 2>&1
	check "bash: dsmtp -a offers the accounts of ~/.dsmtprc" \
		offers "$tmp/c" work home relay
	# With '=' a word break, bash splits "--account=w" in three words.
	bash_complete dsmtp --account = w >"$tmp/c" 2>&1
	check "bash: dsmtp --account=w offers work" offers "$tmp/c" work
	# The system file is the one dsmtp --version names, not /etc/dsmtprc.
	PATH="$tmp/sysbin:$PATH" bash_complete dsmtp -a '' >"$tmp/c" 2>&1
	check "bash: dsmtp -a offers the accounts of the system file dsmtp names" \
		offers "$tmp/c" sysacct work
	bash_complete dsmtp -R '' >"$tmp/c" 2>&1
	check "bash: dsmtp -R offers full and hdrs" offers "$tmp/c" full hdrs
	bash_complete dsmtp --sto >"$tmp/c" 2>&1
	check "bash: dsmtp --sto offers --store-password" \
		offers "$tmp/c" --store-password
else
	for t in "dsmtp --ac" "dsmtp -N" "dsmtp -N success," "dsmtp -a" \
		"dsmtp --account=w" "dsmtp -a (system file)" "dsmtp -R" \
		"dsmtp --sto"; do
		skip "bash: $t" "bash not installed"
	done
fi
if have fish; then
	fish_complete 'dsmtp --ac' >"$tmp/c" 2>&1
	check "fish: dsmtp --ac offers --account" offers "$tmp/c" --account
	fish_complete 'dsmtp -N ' >"$tmp/c" 2>&1
	check "fish: dsmtp -N offers failure" offers "$tmp/c" failure
	fish_complete 'dsmtp -a ' >"$tmp/c" 2>&1
	check "fish: dsmtp -a offers the accounts of ~/.dsmtprc" \
		offers "$tmp/c" work home relay
	PATH="$tmp/sysbin:$PATH" fish_complete 'dsmtp -a ' >"$tmp/c" 2>&1
	check "fish: dsmtp -a offers the accounts of the system file dsmtp names" \
		offers "$tmp/c" sysacct work
	fish_complete 'dsmtp --sto' >"$tmp/c" 2>&1
	check "fish: dsmtp --sto offers --store-password" \
		offers "$tmp/c" --store-password
else
	skip "fish: dsmtp --ac" "fish not installed"
	skip "fish: dsmtp -N" "fish not installed"
	skip "fish: dsmtp -a" "fish not installed"
	skip "fish: dsmtp -a (system file)" "fish not installed"
	skip "fish: dsmtp --sto" "fish not installed"
fi

# The binary's own answers.
version=$(sed -n 's/^AC_INIT(\[dsmtp\], *\[\([^]]*\)\].*/\1/p' \
	"$DSMTP_SRCDIR/configure.ac")
run_dsmtp --version
if expect_rc 0 && [ -n "$version" ] &&
	grep -qx -e "dsmtp version $version" "$tmp/out" &&
	grep -q '^TLS library: GnuTLS [0-9]' "$tmp/out" &&
	grep -q '^Address libraries: libidn2 [0-9].*libunistring [0-9]' \
		"$tmp/out" &&
	grep -q '^Keyring support: ' "$tmp/out" &&
	grep -q '^System configuration file: /' "$tmp/out"; then
	ok "--version prints dsmtp version $version, libraries, files"
else
	not_ok "--version prints dsmtp version ${version:-(no version in configure.ac)}, libraries, files"
	diag "$tmp/out"
fi

run_dsmtp --bogus
if expect_rc 64 && [ ! -s "$tmp/out" ] &&
	[ "$(wc -l <"$tmp/err")" -eq 1 ]; then
	ok "--bogus exits 64 with one line on stderr and nothing on stdout"
else
	not_ok "--bogus exits 64 with one line on stderr and nothing on stdout"
	diag "$tmp/out"
	diag "$tmp/err"
fi

# No configuration file and no spool yet: an empty queue, not an error.
empty_queue() {
	expect_rc 0 && grep -qx 'Mail queue is empty' "$tmp/out"
}
run_dsmtp -bp
check "-bp without a configuration file: exit 0, an empty queue" empty_queue

run_dsmtp --queue-run
check "--queue-run without a configuration file or spool: exit 0" \
	expect_rc 0

run_dsmtp --queue-daemon -C "$tmp/no-such-file"
check "--queue-daemon with a missing -C file exits 78" expect_rc 78

# --store-password, with a stand-in for the dsmtp-keyring helper that
# records its arguments and its standard input, beside a copy of dsmtp
# (dsmtp runs the helper beside its own binary). The accounts are -C's.
printf '%s\n' 'account default' 'host mail.example.org' 'user ann' \
	'account nouser' 'host mail.example.org' >"$tmp/storerc"
mkdir "$tmp/kbin" "$tmp/nohelper"
cp "$DSMTP" "$tmp/kbin/dsmtp"
cp "$DSMTP" "$tmp/nohelper/dsmtp"
printf '%s\n' '#!/bin/sh' \
	"printf '%s\\n' \"\$*\" >'$tmp/helper.args'" \
	"cat >'$tmp/helper.in'" >"$tmp/kbin/dsmtp-keyring"
chmod 755 "$tmp/kbin/dsmtp-keyring"

# store_password INPUT ARG...: dsmtp --store-password with INPUT (a printf
# format) on stdin, run from $helper (default: the copy beside the
# stand-in); exit status in $rc.
store_password() {
	input=$1
	shift
	rc=0
	# shellcheck disable=SC2059 # INPUT is a format on purpose
	printf "$input" | "${helper:-$tmp/kbin}/dsmtp" -C "$tmp/storerc" \
		--store-password "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
}

rm -f "$tmp/helper.args" "$tmp/helper.in"
helper=
store_password 's3cret pass\nsecond line\n'
if expect_rc 0 && [ ! -s "$tmp/out" ] &&
	grep -qx -e 'store mail.example.org ann' "$tmp/helper.args" &&
	grep -qx -e 's3cret pass' "$tmp/helper.in" &&
	[ "$(wc -l <"$tmp/helper.in")" -eq 1 ]; then
	ok "--store-password gives the helper host, user and the first line"
else
	not_ok "--store-password gives the helper host, user and the first line"
	for f in "$tmp/helper.args" "$tmp/helper.in"; do
		[ -f "$f" ] && diag "$f"
	done
fi

store_password 'x\n' -a nouser
check "--store-password for an account without user exits 78" expect_rc 78

store_password ''
check "--store-password with nothing on stdin exits 64" expect_rc 64

helper=$tmp/nohelper
store_password 'x\n'
check "--store-password without a keyring helper exits 69" expect_rc 69
helper=

run_dsmtp -q30m
check "-q30m exits 0 (a queue interval, ignored)" expect_rc 0

case $DSMTP in
/*) target=$DSMTP ;;
*) target=$PWD/$DSMTP ;;
esac
mkdir "$tmp/bin"
if ln -s "$target" "$tmp/bin/mailq"; then
	rc=0
	"$tmp/bin/mailq" </dev/null >"$tmp/out" 2>"$tmp/err" || rc=$?
	check "mailq (a link to dsmtp) lists the queue" empty_queue
else
	not_ok "mailq (a link to dsmtp) lists the queue"
fi

if [ "$n" -ne "$plan" ]; then
	echo "# ran $n tests, planned $plan"
	exit 1
fi
[ "$failed" -eq 0 ]
