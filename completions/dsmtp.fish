# dsmtp.fish - fish completion for dsmtp(1), a sendmail-compatible mail
# submission agent. Installed in $(datadir)/fish/vendor_completions.d.
#
# The options follow src/cli.c (dsmtp --help): sendmail's short options,
# which take their argument glued (-Nfailure) or as the next word, the
# multi-letter sendmail options -bm, -bs, -bi, -bp and -oi, and dsmtp's
# long options. Options sendmail has but dsmtp ignores are accepted by
# dsmtp, not offered here.

# The user configuration file: $XDG_CONFIG_HOME/DIR/config (or
# ~/.config/DIR/config) when it exists, else ~/DOTFILE. As dsmtp does.
function __dsmtp_user_file --argument-names dir dotfile
    if string match -q -- '/*' "$XDG_CONFIG_HOME"
        if test -e "$XDG_CONFIG_HOME/$dir/config"
            echo "$XDG_CONFIG_HOME/$dir/config"
            return
        end
    else if set -q HOME[1]; and test -e "$HOME/.config/$dir/config"
        echo "$HOME/.config/$dir/config"
        return
    end
    set -q HOME[1]; and echo "$HOME/$dotfile"
end

# The -C file given so far on the command line, if any.
function __dsmtp_config_arg
    set -l tokens (commandline -opc)
    set -l cfile
    set -l i 2
    while test $i -le (count $tokens)
        set -l t $tokens[$i]
        if test "$t" = --
            break
        else if string match -qr -- '^-[IitvGmnUcxPS]*C$' $t
            set i (math $i + 1)
            set cfile $tokens[$i]
        else if string match -qr -- '^-[IitvGmnUcxPS]*C.' $t
            set cfile (string replace -r -- '^-[IitvGmnUcxPS]*C' '' $t)
        end
        set i (math $i + 1)
    end
    string replace -r -- '^~/' "$HOME/" $cfile
end

# Account names ("account NAME [: BASE...]" lines) of the files dsmtp
# reads: its system file (as --version says) and the user file, or the -C
# file in its place; without any dsmtp file, msmtp's. "eval" lines are not
# run.
function __dsmtp_accounts
    set -l cfile (__dsmtp_config_arg)
    set -l files
    set -l sys (env LC_ALL=C dsmtp --version 2>/dev/null | string replace -rf '^System configuration file: ' '')
    test -n "$sys"; or set sys /etc/dsmtprc
    if test -n "$cfile"
        set files $sys $cfile
    else
        set -l user (__dsmtp_user_file dsmtp .dsmtprc)
        set files $sys $user
        if not test -f "$sys"; and not test -f "$user"
            set files /etc/msmtprc (__dsmtp_user_file msmtp .msmtprc)
        end
    end
    for f in $files
        test -n "$f"; and test -f "$f"; and test -r "$f"; or continue
        string replace -rf -- '^\s*account\s+([^\s:#]+).*$' '$1' <$f
    end
end

# Is --dkim-keygen on the command line (before any "--")?
function __dsmtp_keygen
    for t in (commandline -opc)
        test "$t" = --; and return 1
        test "$t" = --dkim-keygen; and return 0
    end
    return 1
end

# -N: never, or a comma-separated list of success, failure and delay.
function __dsmtp_notify
    set -l token (commandline -ct)
    # The value alone, without a glued "-N".
    set token (string replace -r -- '^-[IitvGmnUcxPS]*N' '' $token)
    set -l head (string match -r -- '^.*,' $token)
    if test -z "$head"
        printf '%s\t%s\n' never 'never send a DSN' \
            success 'report successful delivery' \
            failure 'report failed delivery' \
            delay 'report delayed delivery'
        return
    end
    set -l used (string split , -- (string lower -- $head))
    contains -- never $used; and return
    for v in success failure delay
        contains -- $v $used; or echo $head$v
    end
end

# Queue ids of the messages the caller may see, from
# "dsmtp --queue-list --json" (with the -C file given). An id is [0-9A-Z]+
# and a JSON string value holds no bare '"', so '{"id":"' starts an entry
# and nothing else.
function __dsmtp_queue_ids
    set -l cfile (__dsmtp_config_arg)
    set -l args
    test -n "$cfile"; and set args -C $cfile
    env LC_ALL=C dsmtp $args --queue-list --json 2>/dev/null |
        string match -ar -- '\{"id":"[0-9A-Z]+"' |
        string replace -r -- '^\{"id":"([0-9A-Z]+)"$' '$1'
end

# Recipients are addresses, not files; --dkim-keygen's key file is one.
complete -c dsmtp -f
complete -c dsmtp -n '__dsmtp_keygen' -F

# Sendmail options
complete -c dsmtp -s t -l read-recipients -d 'Add recipients from the To, Cc and Bcc headers'
complete -c dsmtp -s i -d 'A line holding only a dot does not end the input'
complete -c dsmtp -o oi -d 'A line holding only a dot does not end the input'
complete -c dsmtp -s f -x -d 'Envelope sender (<> for none)'
complete -c dsmtp -s r -x -d 'Envelope sender (<> for none)'
complete -c dsmtp -s F -x -d 'Full name for an added From header'
complete -c dsmtp -s N -l dsn-notify -x -a '(__dsmtp_notify) off' -d 'DSN notify conditions'
complete -c dsmtp -s R -l dsn-return -x -a 'full hdrs headers off' -d 'What a DSN returns'
complete -c dsmtp -s V -x -d 'DSN envelope id'
complete -c dsmtp -s B -x -a '7BIT 8BITMIME' -d 'Body type'
complete -c dsmtp -s C -l file -r -F -d 'Use this file instead of the user configuration'
complete -c dsmtp -s v -d 'Show the SMTP dialogue on standard error'
complete -c dsmtp -s d -l debug -d 'Show the SMTP dialogue on standard error'
complete -c dsmtp -s X -l logfile -r -F -d 'Log to this file'
complete -c dsmtp -s o -x -d 'Sendmail option (-oi is -i)'
complete -c dsmtp -o bm -d 'Deliver a message (the default)'
complete -c dsmtp -o bs -d 'Speak SMTP on standard input and output'
complete -c dsmtp -o bi -d 'Check the aliases file (newaliases)'
complete -c dsmtp -s I -d 'Check the aliases file (newaliases)'
complete -c dsmtp -o bp -d 'List the queue (mailq)'
complete -c dsmtp -s q -d 'Try every queued message now (-qI<id>, -qR<domain>, -qS<sender>: only those)'

# dsmtp options
complete -c dsmtp -s a -l account -x -a '(__dsmtp_accounts)' -d 'Use this account'
complete -c dsmtp -l host -x -a '(__fish_print_hostnames)' -d 'Deliver to this relay host, reading no configuration file'
complete -c dsmtp -l port -x -a '25 465 587' -d 'Relay port'
complete -c dsmtp -l from -x -d 'Envelope sender, same as -f'
complete -c dsmtp -l read-envelope-from -d 'Take the envelope sender from the From header'
complete -c dsmtp -s P -l pretend -d 'Print the effective configuration'
complete -c dsmtp -s S -l serverinfo -d 'Show what the relay server offers'
complete -c dsmtp -l dkim-keygen -d 'Make a DKIM key in a file and print its DNS record'
complete -c dsmtp -l key-type -x -a 'rsa ed25519' -d 'DKIM key type'
complete -c dsmtp -l selector -x -d 'DKIM selector for the record'
complete -c dsmtp -l keygen-domain -x -d 'Domain for the DKIM record'
complete -c dsmtp -l store-password -d 'Store the password read from standard input in the keyring'
complete -c dsmtp -l check-dns -d 'Check the DNS records receivers look up'
complete -c dsmtp -l egress-ip -x -d 'The public address mail leaves from'
complete -c dsmtp -l to -x -d 'A recipient domain to check (--check-dns)'
complete -c dsmtp -l json -d 'The --check-dns report or the queue listing as JSON'
complete -c dsmtp -l queue-list -d 'List the queue, as -bp'
complete -c dsmtp -l queue-flush -d 'Try every queued message now, as -q'
complete -c dsmtp -l queue-run -d 'Try the queued messages whose retry time has come'
complete -c dsmtp -l queue-daemon -d 'Stay: deliver new mail at once, retry on schedule'
complete -c dsmtp -l queue-hold -x -a '(__dsmtp_queue_ids)' -d 'Keep a queued message from delivery'
complete -c dsmtp -l queue-release -x -a '(__dsmtp_queue_ids)' -d 'Let a held message go again'
complete -c dsmtp -l queue-remove -x -a '(__dsmtp_queue_ids)' -d 'Delete a queued message'
complete -c dsmtp -l help -d 'Show the help and exit'
complete -c dsmtp -l version -d 'Show version information and exit'

# Options as msmtp's: each sets the configuration command of the same name.
# Those with an optional value take it after '=' only (--tls=off).
complete -c dsmtp -l timeout -x -a off -d 'Network timeout in seconds'
complete -c dsmtp -l protocol -x -a 'smtp lmtp' -d 'Protocol'
complete -c dsmtp -l domain -x -a '(__fish_print_hostnames)' -d 'The EHLO name'
complete -c dsmtp -l source-ip -x -d 'Local address to connect from'
complete -c dsmtp -l socket -r -F -d 'Local socket to connect to'
complete -c dsmtp -l proxy-host -x -a '(__fish_print_hostnames)' -d 'SOCKS proxy'
complete -c dsmtp -l proxy-port -x -d 'SOCKS proxy port'
complete -c dsmtp -l auth -f -a 'on off plain login cram-md5 scram-sha-256 xoauth2 oauthbearer external' -d 'Authentication'
complete -c dsmtp -l user -x -d 'User name for authentication'
complete -c dsmtp -l passwordeval -x -a '(__fish_complete_command)' -d 'Command printing the password'
complete -c dsmtp -l tls -f -a 'on off' -d 'TLS'
complete -c dsmtp -l tls-starttls -f -a 'on off' -d 'STARTTLS rather than TLS at once'
complete -c dsmtp -l tls-trust-file -r -F -d 'Trusted CA certificates'
complete -c dsmtp -l tls-crl-file -r -F -d 'Revoked certificates'
complete -c dsmtp -l tls-fingerprint -x -d 'The server certificate fingerprint'
complete -c dsmtp -l tls-certcheck -f -a 'on off' -d 'Check the server certificate'
complete -c dsmtp -l tls-key-file -r -F -d 'Client key'
complete -c dsmtp -l tls-cert-file -r -F -d 'Client certificate'
complete -c dsmtp -l tls-priorities -x -d 'GnuTLS priorities'
complete -c dsmtp -l tls-host-override -x -a '(__fish_print_hostnames)' -d 'Name the certificate must hold'
complete -c dsmtp -l tls-min-dh-prime-bits -x -d 'Smallest DH prime'
complete -c dsmtp -l auto-from -f -a 'on off' -d 'Automatic envelope sender'
complete -c dsmtp -l maildomain -x -d 'Domain for the automatic envelope sender'
complete -c dsmtp -l aliases -r -F -d 'Aliases file'
complete -c dsmtp -l logfile-time-format -x -d 'strftime format of the log'
complete -c dsmtp -l syslog -f -a 'on off LOG_MAIL LOG_USER' -d 'Syslog'
complete -c dsmtp -l set-from-header -f -a 'auto on off' -d 'Add a From header'
complete -c dsmtp -l set-date-header -f -a 'auto off' -d 'Add a Date header'
complete -c dsmtp -l set-msgid-header -f -a 'auto off' -d 'Add a Message-ID header'
complete -c dsmtp -l remove-bcc-headers -f -a 'on off' -d 'Remove Bcc headers'
complete -c dsmtp -l undisclosed-recipients -f -a 'on off' -d 'Hide the recipients'
complete -c dsmtp -l queue -f -a 'on off' -d 'Keep what cannot be delivered now'
