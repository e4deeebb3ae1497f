# /etc/cron.d/dsmtp (dsmtp-mta): run the system queue every five minutes
# on machines that do not boot with systemd. Under systemd the queue
# daemon and dsmtp-queue-run.timer do this, and the job does nothing.
# --queue-run picks up what users handed over, then tries the entries
# whose backoff has passed; it prints nothing unless something is wrong.
*/5 * * * *	dsmtp	[ -d /run/systemd/system ] || { [ -x /usr/bin/dsmtp ] && /usr/bin/dsmtp --queue-run; }
