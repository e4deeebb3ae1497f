# dsmtp.bash - bash completion for dsmtp(1)                -*- shell-script -*-
#
# Installed as $(datadir)/bash-completion/completions/dsmtp. Works without
# the bash-completion library too: source this file from ~/.bashrc.
#
# The options follow src/cli.c (dsmtp --help): sendmail's short options,
# which may be bundled (-ti) and take their argument glued (-Nfailure) or
# as the next word (-N failure), and dsmtp's long options (--account=NAME
# or --account NAME). Options sendmail has but dsmtp ignores are accepted
# by dsmtp but not offered here.
#
# sendmail, mailq and newaliases get the same completion when they are
# links to dsmtp.

# Short options by argument style (src/cli.c's table).
# Flags; more options may follow in the same word.
_dsmtp_flag_letters='IitvdGmnUcxPS'
# The rest of the word is the argument, possibly empty (-bm, -q30m).
_dsmtp_rest_letters='bqA'
# The rest of the word, else the next word, is the argument.
_dsmtp_req_letters='frFNRVBChLXOepao'

# What dsmtp --help lists.
_dsmtp_short_opts='-t -i -oi -f -r -F -N -R -V -B -C -v -d -X -o -bm -bs -bi
	-bp -I -q -a -P -S'
# Long options whose value is after "=" or the next word.
_dsmtp_long_req='--account --host --from --key-type --selector
	--keygen-domain --file --logfile --dsn-notify --dsn-return --port
	--timeout --protocol --domain --source-ip --socket --proxy-host
	--proxy-port --user --passwordeval --tls-trust-file --tls-crl-file
	--tls-fingerprint --tls-key-file --tls-cert-file --tls-priorities
	--tls-host-override --tls-min-dh-prime-bits --maildomain --aliases
	--logfile-time-format
	--egress-ip --to --queue-hold --queue-release --queue-remove'
# Long options whose value is optional and only after "=" (--tls=off).
_dsmtp_long_optional='--auth --tls --tls-starttls --tls-certcheck
	--auto-from --syslog --set-from-header --set-date-header
	--set-msgid-header --remove-bcc-headers --undisclosed-recipients --queue'
_dsmtp_long_opts="$_dsmtp_long_req $_dsmtp_long_optional
	--read-envelope-from --read-recipients --debug --pretend --serverinfo
	--dkim-keygen --store-password --check-dns --json --queue-list
	--queue-flush --queue-run --queue-daemon --help --version"

# Is word $1 one of the words of list $2?
_dsmtp_in()
{
	local IFS=$' \t\n' x

	for x in $2; do
		[[ $x == "$1" ]] && return 0
	done
	return 1
}

# The _dsmtp_values key of long option $1 (without "--").
_dsmtp_long_key()
{
	case $1 in
	account) echo a ;;
	from) echo f ;;
	file) echo C ;;
	logfile) echo X ;;
	dsn-notify) echo N ;;
	dsn-return) echo R ;;
	*) echo "$1" ;;
	esac
}

# Parse a word of short options such as "-tiNfailure". Sets (in the
# caller's scope) _dsmtp_opt to the letter that takes an argument, or ""
# when the word holds only flags, and _dsmtp_rest to what follows that
# letter in the word. Fails on a letter dsmtp does not know.
_dsmtp_parse_short()
{
	local w=${1#-} c

	_dsmtp_opt='' _dsmtp_rest=''
	while [[ -n $w ]]; do
		c=${w:0:1}
		w=${w:1}
		if [[ $_dsmtp_flag_letters == *"$c"* ]]; then
			continue
		elif [[ $_dsmtp_rest_letters$_dsmtp_req_letters == *"$c"* ]]; then
			_dsmtp_opt=$c _dsmtp_rest=$w
			return 0
		else
			return 1
		fi
	done
	return 0
}

# The user configuration file: $XDG_CONFIG_HOME/DIR/config (or
# ~/.config/DIR/config) when it exists, else ~/DOTFILE. As dsmtp does.
_dsmtp_user_file()
{
	local xdg=${XDG_CONFIG_HOME-}

	if [[ $xdg == /* ]]; then
		if [[ -e $xdg/$1/config ]]; then
			printf '%s\n' "$xdg/$1/config"
			return
		fi
	elif [[ -n ${HOME-} && -e $HOME/.config/$1/config ]]; then
		printf '%s\n' "$HOME/.config/$1/config"
		return
	fi
	[[ -n ${HOME-} ]] && printf '%s\n' "$HOME/$2"
}

# The system file this dsmtp reads (its sysconfdir), as --version says.
_dsmtp_system_file()
{
	local f
	f=$(LC_ALL=C command dsmtp --version 2>/dev/null |
		sed -n 's/^System configuration file: //p')
	printf '%s\n' "${f:-/etc/dsmtprc}"
}

# Print the account names ("account NAME [: BASE...]" lines) of the files
# dsmtp reads: its system file and the user file, or the -C file ($1) in
# its place; without any dsmtp file, msmtp's. "eval" lines are not run.
_dsmtp_accounts()
{
	local IFS=$' \t\n' f user kw name rest sys
	local -a files

	sys=$(_dsmtp_system_file)
	if [[ -n $1 ]]; then
		files=("$sys" "$1")
	else
		user=$(_dsmtp_user_file dsmtp .dsmtprc)
		files=("$sys" "$user")
		if [[ ! -f $sys && ! -f $user ]]; then
			files=(/etc/msmtprc "$(_dsmtp_user_file msmtp .msmtprc)")
		fi
	fi
	for f in "${files[@]}"; do
		[[ -n $f && -f $f && -r $f ]] || continue
		while read -r kw name rest || [[ -n $kw ]]; do
			[[ $kw == account ]] || continue
			name=${name%%[:#]*}
			[[ -n $name ]] && printf '%s\n' "$name"
		done <"$f"
	done
}

# Print the ids of the queued messages the caller may see, as
# "dsmtp --queue-list --json" lists them (with the -C file $1). An id is
# [0-9A-Z]+ and a JSON string value holds no bare '"', so '{"id":"' starts
# an entry and nothing else.
_dsmtp_queue_ids()
{
	local -a args=()

	[[ -n $1 ]] && args=(-C "$1")
	LC_ALL=C command dsmtp "${args[@]}" --queue-list --json 2>/dev/null |
		grep -o '{"id":"[0-9A-Z]*"' | sed 's/^{"id":"//; s/"$//'
}

# Fill COMPREPLY with the values of option $1 (a letter, or the long
# option's name)
# that start with $2, each preceded by $3 (the option when glued to its
# value, "--opt=" when the '=' is not a word break). $4 is the -C file.
# Word lists are one word a line.
_dsmtp_values()
{
	local opt=$1 cur=$2 prefix=$3 cfile=$4 IFS=$'\n' head='' v
	local -a words

	case $opt in
	a)
		mapfile -t COMPREPLY < <(compgen \
			-W "$(_dsmtp_accounts "$cfile")" -- "$cur")
		;;
	N)
		# never, or a comma-separated list of the other three.
		if [[ $cur == *,* ]]; then
			head=${cur%,*},
			cur=${cur##*,}
			[[ ,${head,,} == *,never,* ]] && return
			for v in success failure delay; do
				[[ ,${head,,} == *,$v,* ]] || words+=("$v")
			done
		else
			words=(never success failure delay)
		fi
		mapfile -t COMPREPLY < <(compgen -W "${words[*]}" -- "${cur,,}")
		COMPREPLY=("${COMPREPLY[@]/#/$head}")
		;;
	R)
		mapfile -t COMPREPLY < <(compgen -W $'full\nhdrs\nheaders\noff' \
			-- "${cur,,}")
		;;
	B)
		mapfile -t COMPREPLY < <(compgen -W $'7BIT\n8BITMIME' -- "${cur^^}")
		;;
	tls | tls-starttls | tls-certcheck | auto-from | remove-bcc-headers | \
		undisclosed-recipients | queue)
		mapfile -t COMPREPLY < <(compgen -W $'on\noff' -- "$cur")
		;;
	auth)
		words=(on off plain login cram-md5 scram-sha-256 xoauth2
			oauthbearer external)
		mapfile -t COMPREPLY < <(compgen -W "${words[*]}" -- "${cur,,}")
		;;
	syslog)
		mapfile -t COMPREPLY < <(compgen -W $'on\noff\nLOG_MAIL\nLOG_USER' \
			-- "$cur")
		;;
	set-from-header)
		mapfile -t COMPREPLY < <(compgen -W $'auto\non\noff' -- "$cur")
		;;
	set-date-header | set-msgid-header)
		mapfile -t COMPREPLY < <(compgen -W $'auto\noff' -- "$cur")
		;;
	protocol)
		mapfile -t COMPREPLY < <(compgen -W $'smtp\nlmtp' -- "${cur,,}")
		;;
	timeout)
		mapfile -t COMPREPLY < <(compgen -W off -- "$cur")
		;;
	C | X | tls-trust-file | tls-crl-file | tls-key-file | tls-cert-file | \
		aliases | socket)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		[[ -z $prefix ]] && compopt -o filenames 2>/dev/null
		;;
	host | proxy-host | tls-host-override)
		mapfile -t COMPREPLY < <(compgen -A hostname -- "$cur")
		;;
	port)
		mapfile -t COMPREPLY < <(compgen -W $'25\n465\n587' -- "$cur")
		;;
	key-type)
		mapfile -t COMPREPLY < <(compgen -W $'rsa\ned25519' -- "${cur,,}")
		;;
	queue-hold | queue-release | queue-remove)
		mapfile -t COMPREPLY < <(compgen \
			-W "$(_dsmtp_queue_ids "$cfile")" -- "${cur^^}")
		;;
	esac
	# -f, -r, --from, -F, -V, --selector, --keygen-domain, --domain, the
	# other free values and the ignored options: nothing to offer.
	if [[ -n $prefix && ${#COMPREPLY[@]} -gt 0 ]]; then
		COMPREPLY=("${COMPREPLY[@]/#/$prefix}")
	fi
}

_dsmtp()
{
	local cur w cfile='' need='' prefix='' keygen='' i _dsmtp_opt _dsmtp_rest
	local cword=${COMP_CWORD:-0}
	local -a words=("${COMP_WORDS[@]}")

	COMPREPLY=()
	cur=${words[cword]-}

	# Walk the words before the current one: find -C FILE, a "--" after
	# which only recipients follow, and whether the word before the
	# current one leaves its option waiting for an argument. With '=' in
	# COMP_WORDBREAKS, "--account=x" arrives as "--account" "=" "x".
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		if [[ -n $need ]]; then
			[[ $need == C ]] && cfile=$w
			need=
			continue
		fi
		case $w in
		--)
			[[ -n $keygen ]] && _dsmtp_values C "$cur" "" ""
			return 0
			;;
		--dkim-keygen)
			keygen=1
			;;
		--*)
			if _dsmtp_in "$w" "$_dsmtp_long_req" || {
				_dsmtp_in "$w" "$_dsmtp_long_optional" &&
					[[ ${words[i + 1]-} == = ]]
			}; then
				need=$(_dsmtp_long_key "${w#--}")
				[[ ${words[i + 1]-} == = ]] && ((i++))
			fi
			;;
		-?*)
			if _dsmtp_parse_short "$w" && [[ -n $_dsmtp_opt ]]; then
				if [[ $_dsmtp_req_letters == *"$_dsmtp_opt"* ]]; then
					if [[ -z $_dsmtp_rest ]]; then
						need=$_dsmtp_opt
					elif [[ $_dsmtp_opt == C ]]; then
						cfile=$_dsmtp_rest
					fi
				fi
			fi
			;;
		esac
	done
	# A literal ~/ in the word: bash has not expanded it.
	# shellcheck disable=SC2088
	[[ $cfile == '~/'* ]] && cfile=${HOME-}/${cfile#'~/'}

	# "--opt=" typed, '=' a word break: the current word is "=".
	if [[ -n $need && $cur == = && ${words[cword - 1]} == --* ]]; then
		cur=
	fi
	# "--opt=value" in one word ('=' not a word break).
	if [[ -z $need && $cur == --*=* ]]; then
		_dsmtp_in "${cur%%=*}" "$_dsmtp_long_req $_dsmtp_long_optional" ||
			return 0
		w=${cur%%=*}
		need=$(_dsmtp_long_key "${w#--}")
		prefix=${cur%%=*}=
		cur=${cur#*=}
	fi
	if [[ -n $need ]]; then
		_dsmtp_values "$need" "$cur" "$prefix" "$cfile"
		return 0
	fi

	# Not an option: a recipient, or with --dkim-keygen the key file.
	if [[ $cur != -* ]]; then
		[[ -n $keygen ]] && _dsmtp_values C "$cur" "" ""
		return 0
	fi
	case $cur in
	--*)
		mapfile -t COMPREPLY < <(compgen -W "$_dsmtp_long_opts" -- "$cur")
		;;
	-*)
		# A short option with its value glued: -Nfa, -tiasm, -C~/x.
		if _dsmtp_parse_short "$cur" && [[ -n $_dsmtp_rest &&
			$_dsmtp_req_letters == *"$_dsmtp_opt"* ]]; then
			_dsmtp_values "$_dsmtp_opt" "$_dsmtp_rest" \
				"${cur%"$_dsmtp_rest"}" "$cfile"
			return 0
		fi
		mapfile -t COMPREPLY < <(compgen \
			-W "$_dsmtp_short_opts $_dsmtp_long_opts" -- "$cur")
		# Bundled flags such as -ti are complete as they are.
		if [[ ${#COMPREPLY[@]} -eq 0 && $cur == -?* ]] &&
			_dsmtp_parse_short "$cur" && [[ -z $_dsmtp_opt ]]; then
			COMPREPLY=("$cur")
		fi
		;;
	esac
	return 0
}

complete -F _dsmtp dsmtp

# Is command $1 (a name or a path) dsmtp under another name?
_dsmtp_is_dsmtp()
{
	local p t

	if [[ $1 == /* ]]; then
		p=$1
	else
		p=$(type -P -- "$1" 2>/dev/null)
	fi
	[[ -n $p && -x $p ]] || return 1
	t=$(readlink -f -- "$p" 2>/dev/null) || return 1
	[[ ${t##*/} == dsmtp ]]
}

for _dsmtp_cmd in sendmail /usr/sbin/sendmail /usr/lib/sendmail mailq \
	newaliases; do
	if _dsmtp_is_dsmtp "$_dsmtp_cmd"; then
		complete -F _dsmtp "$_dsmtp_cmd"
	fi
done
unset _dsmtp_cmd
unset -f _dsmtp_is_dsmtp

# ex: filetype=sh noexpandtab
