#!/usr/bin/env bash
# Security on the wire and at the door (label `secure`; make secure-test
# starts its own `deploy/local/stack up --secure` and evals its env):
# the pipeline end to end over SASL_SSL (SCRAM-SHA-512) and TLS to
# PostgreSQL (verify-full, the writer role); plaintext refused on both;
# a wrong password, an untrusted CA and a missing ACL each fail with one
# clear line and a non-zero exit; and no secret in `ps`, the logs or the
# metrics.
source "$FTZ_SOURCE_DIR/tests/lib.sh"
[[ ${FTZ_SECURE:-} == 1 ]] || fail "needs the env of 'deploy/local/stack up --secure' (make secure-test)"
# The secure stack is this test's own: its topics (the ACLs name them) and database.
export FTZ_TOPIC_PREFIX=""
export PGDATABASE=ftz
# The database is the stack's own, not the test's: kept, not dropped.
cleanup() {
  local rc=$?
  for pid in "${BG_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  if [[ $rc -eq 0 ]]; then
    rm -rf "$WORK"
    log "PASS"
  else
    log "kept files in $WORK for inspection"
  fi
}
SEC=$(dirname "$FTZ_PRODUCER_PROPERTIES")
STATE=$(dirname "$SEC")
cd "$WORK"

# run_refused WHAT PATTERN CMD...: CMD exits non-zero within 60 s and its
# stderr has a line matching PATTERN; at most 3 lines of stderr.
run_refused() {
  local what=$1 pattern=$2 rc=0
  shift 2
  timeout 60 "$@" >/dev/null 2>"$WORK/refused.err" || rc=$?
  (( rc != 0 && rc != 124 )) || fail "$what: exit $rc (want a prompt failure): $(head -5 "$WORK/refused.err")"
  grep -Eq "$pattern" "$WORK/refused.err" || fail "$what: no line matching /$pattern/: $(head -5 "$WORK/refused.err")"
  (( $(grep -c . "$WORK/refused.err") <= 3 )) || fail "$what: more than 3 lines: $(head -8 "$WORK/refused.err")"
  log "$what: refused, exit $rc: $(grep -E "$pattern" "$WORK/refused.err" | head -1)"
}

# ---- files: 0600, no secret on a command line
for f in "$FTZ_PRODUCER_PROPERTIES" "$FTZ_CONSUMER_PROPERTIES" "$PGPASSFILE" "$SEC"/*.password; do
  assert_eq 600 "$(stat -c %a "$f")" "mode of $f"
done
# Kafka's data (the records, the SCRAM credentials) and log: the stack's user only.
kdir=$STATE/kafka
assert_eq 700 "$(stat -c %a "$kdir/data")" "mode of Kafka's data dir $kdir/data"
assert_eq 600 "$(stat -c %a "$kdir/kafka.log")" "mode of $kdir/kafka.log"
loose=$WORK/loose.properties
cp "$FTZ_PRODUCER_PROPERTIES" "$loose" && chmod 644 "$loose"
run_refused "a properties file with a password, mode 0644" 'holds sasl.password but group or others may read it' \
  "$FTZ" produce -q -t rail -F "$loose" -f /dev/null
rm -f "$loose"
# A password given with -X works, with a warning that ps shows it.
"$FTZ" produce -t rail -F "$FTZ_PRODUCER_PROPERTIES" -X "sasl.password=$(<"$SEC/ftz-producer.password")" \
  -f /dev/null 2>xpw.err || fail "ftz produce -X sasl.password=...: $(head -3 xpw.err)"
grep -q -- '-X sasl.password on the command line: any user of this host can read it' xpw.err \
  || fail "no warning for -X sasl.password on the command line: $(head -3 xpw.err)"

# ---- migrations as the owner, over verify-full TLS
PGUSER=$FTZ_PG_OWNER "$FTZ" db migrate -q 2>migrate.err || fail "ftz db migrate as $FTZ_PG_OWNER: $(cat migrate.err)"
assert_eq t "$(q "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")" "psql's connection uses TLS"

# ---- end to end: ftz-producer -> SASL_SSL -> ftz-consumer -> PostgreSQL as ftz_writer
"$FTZ" simulate -t rail -n 3000 --seed 91 --resend-rate 0 >rail.jsonl
"$FTZ" simulate -t customs -n 2000 --seed 92 --revision-rate 0 >customs.jsonl
"$FTZ" produce -q -t rail -F "$FTZ_PRODUCER_PROPERTIES" -f rail.jsonl 2>produce.err \
  || fail "produce rail over SASL_SSL exited $?: $(cat produce.err)"
"$FTZ" produce -q -t customs -F "$FTZ_PRODUCER_PROPERTIES" -f customs.jsonl 2>>produce.err \
  || fail "produce customs over SASL_SSL exited $?: $(cat produce.err)"
mport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$FTZ" aggregate -F "$FTZ_CONSUMER_PROPERTIES" -g ftz-secure-test --until-idle 3 \
  --metrics-addr "127.0.0.1:$mport" >aggregate.out 2>aggregate.err &
agg=$!
BG_PIDS+=("$agg")
# While it runs: its command line, and everything's, holds no secret.
for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$mport/metrics" >metrics.txt 2>/dev/null && break
  sleep 0.2
done
ps -eo args >ps.txt
wait "$agg" || fail "aggregate over SASL_SSL + TLS exited $?: $(tail -5 aggregate.err)"
[[ -s metrics.txt ]] || fail "no /metrics scrape from ftz aggregate on port $mport"
assert_table rail rail.jsonl
assert_table customs customs.jsonl
# ftz aggregate connected as PGUSER: the writer, over TLS verified to the host.
assert_eq "ftz_writer|verify-full" "$(q "SELECT current_user")|$PGSSLMODE" "the consumer's role and sslmode"
# The writer may not do the owner's work.
if psql -X -q -c "CREATE TABLE ftz.intruder (x int)" 2>writer.err; then
  fail "ftz_writer could create a table in schema ftz"
fi
grep -q 'permission denied' writer.err || fail "ftz_writer's CREATE TABLE: $(cat writer.err)"

# ---- plaintext refused
if kcat -b "$FTZ_BROKERS" -L -m 5 >/dev/null 2>kcat.err; then
  fail "a PLAINTEXT client got metadata from the SASL_SSL listener"
fi
log "plaintext Kafka client: refused"
if PGSSLMODE=disable psql -X -q -c "SELECT 1" 2>pgplain.err; then
  fail "PostgreSQL accepted a connection without TLS"
fi
grep -q 'no pg_hba.conf entry' pgplain.err || fail "psql sslmode=disable: $(cat pgplain.err)"
log "plaintext PostgreSQL client: refused ($(head -1 pgplain.err))"

# ---- the KRaft controller listener: admin work only with the node's
# certificate (mTLS). Without one, kafka-acls --bootstrap-controller gets
# nothing: in plaintext (the TLS alert it reads back is not a Kafka
# response) or over TLS with no client certificate (bad_certificate).
STACK=$FTZ_SOURCE_DIR/deploy/local/stack
[[ -n ${FTZ_KAFKA_CONTROLLERS:-} && -r ${FTZ_CONTROLLER_PROPERTIES:-} ]] \
  || fail "no FTZ_KAFKA_CONTROLLERS / FTZ_CONTROLLER_PROPERTIES in the env of 'deploy/local/stack up --secure'"
printf '%s\n' request.timeout.ms=5000 default.api.timeout.ms=10000 >ctl-plain.properties
printf '%s\n' security.protocol=SSL ssl.truststore.type=PEM "ssl.truststore.location=$FTZ_KAFKA_CA" \
  request.timeout.ms=5000 default.api.timeout.ms=10000 >ctl-nocert.properties
for how in plain nocert; do
  rc=0
  timeout 60 "$STACK" acls --bootstrap-controller "$FTZ_KAFKA_CONTROLLERS" \
    --command-config "ctl-$how.properties" --list >"ctl-$how.out" 2>&1 || rc=$?
  (( rc != 0 && rc != 124 )) || fail "kafka-acls --list on the controller listener ($how, no certificate): exit $rc: $(head -5 "ctl-$how.out")"
  ! grep -q 'ftz-producer' "ctl-$how.out" || fail "the controller listener showed the ACLs to a client without a certificate ($how)"
  log "kafka-acls --bootstrap-controller, $how, no certificate: refused ($(grep -m1 -oE 'bad_certificate|OutOfMemoryError|SslAuthenticationException|TimeoutException' "ctl-$how.out" || echo "exit $rc"))"
done
grep -q 'bad_certificate' ctl-nocert.out || fail "TLS without a client certificate: not refused for want of one: $(head -3 ctl-nocert.out)"
timeout 60 "$STACK" acls --bootstrap-controller "$FTZ_KAFKA_CONTROLLERS" \
  --command-config "$FTZ_CONTROLLER_PROPERTIES" --list >ctl-cert.out 2>&1 \
  || fail "kafka-acls on the controller listener with the node's certificate: $(head -5 ctl-cert.out)"
grep -q 'User:ftz-producer' ctl-cert.out || fail "the node's certificate listed no ACLs: $(head -5 ctl-cert.out)"
log "kafka-acls --bootstrap-controller with the node's certificate: $(grep -c 'principal=' ctl-cert.out) ACLs listed"
# `stack env`: one PGUSER, the writer (migrations: PGUSER=$FTZ_PG_OWNER).
assert_eq "export PGUSER=ftz_writer" "$("$STACK" env | grep '^export PGUSER=')" "PGUSER lines of 'stack env'"

# ---- a wrong password, an untrusted CA, a missing ACL
sed 's/^sasl.password=.*/sasl.password=not-the-password/' "$FTZ_PRODUCER_PROPERTIES" >wrong.properties
chmod 600 wrong.properties
run_refused "ftz produce, wrong password" 'Kafka refused the login' \
  "$FTZ" produce -q -t rail -F wrong.properties -f rail.jsonl
sed 's/^sasl.password=.*/sasl.password=not-the-password/' "$FTZ_CONSUMER_PROPERTIES" >wrongc.properties
chmod 600 wrongc.properties
run_refused "ftz aggregate, wrong password" 'Kafka refused the login' \
  "$FTZ" aggregate -q -F wrongc.properties -g ftz-secure-test --until-idle 3
mkdir spool
run_refused "ftz produce --spool, wrong password" 'Kafka refused the login' \
  "$FTZ" produce -q -t rail --spool spool -F wrong.properties
sed "s#^ssl.ca.location=.*#ssl.ca.location=$FTZ_UNTRUSTED_CA#" "$FTZ_CONSUMER_PROPERTIES" >untrustedc.properties
chmod 600 untrustedc.properties
run_refused "ftz aggregate, untrusted CA" "TLS certificate is not trusted" \
  "$FTZ" aggregate -q -F untrustedc.properties -g ftz-secure-test --until-idle 3
sed "s#^ssl.ca.location=.*#ssl.ca.location=$FTZ_UNTRUSTED_CA#" "$FTZ_PRODUCER_PROPERTIES" >untrusted.properties
chmod 600 untrusted.properties
run_refused "ftz produce, untrusted CA" "TLS certificate is not trusted" \
  "$FTZ" produce -q -t rail -F untrusted.properties -f rail.jsonl
# The broker's certificate names 127.0.0.1 and localhost: reached as
# 127.0.0.2 (a TCP relay), it is refused, and the line names the host.
rport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.2", 0)); print(s.getsockname()[1])')
python3 -c '
import socket, sys, threading
def pipe(a, b):
    try:
        while (d := a.recv(65536)):
            b.sendall(d)
    except OSError:
        pass
    for x in (a, b):
        try: x.shutdown(socket.SHUT_RDWR)
        except OSError: pass
s = socket.create_server(("127.0.0.2", int(sys.argv[1])))
while True:
    c, _ = s.accept()
    r = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
    for a, b in ((c, r), (r, c)):
        threading.Thread(target=pipe, args=(a, b), daemon=True).start()
' "$rport" "${FTZ_BROKERS##*:}" &
BG_PIDS+=("$!")
disown "$!" # killed by cleanup: no job notice in the log
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.2/$rport") 2>/dev/null && break; sleep 0.1; done
run_refused "ftz produce, the broker reached by a name its certificate lacks" \
  'not trusted \(ssl.ca.location\), or does not name the host it was reached by' \
  "$FTZ" produce -q -t rail -F "$FTZ_PRODUCER_PROPERTIES" -b "127.0.0.2:$rport" -f rail.jsonl
run_refused "ftz aggregate, PostgreSQL reached by a name its certificate lacks (verify-full)" \
  'does not match host name "wrong.example"' \
  env PGHOST=wrong.example PGHOSTADDR=127.0.0.1 "$FTZ" aggregate -q -F "$FTZ_CONSUMER_PROPERTIES" \
  -g ftz-secure-test --until-idle 3
if PGSSLROOTCERT=$FTZ_UNTRUSTED_CA psql -X -q -c "SELECT 1" 2>pgca.err; then
  fail "psql trusted PostgreSQL's certificate with the untrusted CA"
fi
grep -q 'certificate verify failed' pgca.err || fail "psql, untrusted CA: $(cat pgca.err)"
log "psql, untrusted CA: refused ($(head -1 pgca.err))"
if PGPASSFILE=/dev/null PGPASSWORD=not-the-password psql -X -q -c "SELECT 1" 2>pgpw.err; then
  fail "PostgreSQL accepted a wrong password"
fi
grep -q 'password authentication failed' pgpw.err || fail "psql, wrong password: $(cat pgpw.err)"
# The producer writing the dead-letter topic: no ACL.
printf 'k\tv\n' >dl.txt
if kcat -F "$FTZ_PRODUCER_PROPERTIES" -b "$FTZ_BROKERS" -P -t ftz.deadletter -K '\t' -X message.timeout.ms=10000 dl.txt 2>kcatdl.err; then
  grep -qi 'authoriz' kcatdl.err || fail "ftz-producer could write the dead-letter topic"
fi
grep -qi 'authoriz' kcatdl.err || fail "ftz-producer writing ftz.deadletter: $(head -3 kcatdl.err)"
log "ftz-producer writing ftz.deadletter: refused ($(grep -i -m1 authoriz kcatdl.err))"
# ftz produce as the consumer (it may read the data topics, not write them).
run_refused "ftz produce as ftz-consumer" 'Kafka refused to let this user (write|describe) topic ftz.rail.events' \
  "$FTZ" produce -q -t rail -F "$FTZ_CONSUMER_PROPERTIES" -f rail.jsonl
# ftz aggregate as the producer (it may not read).
run_refused "ftz aggregate as ftz-producer" 'Kafka refused this user' \
  "$FTZ" aggregate -q -F "$FTZ_PRODUCER_PROPERTIES" -g ftz-secure-test --until-idle 3

# ---- no secret anywhere it may be seen
ps -eo args >>ps.txt
cat "$STATE"/kafka/kafka.log "$STATE"/pg/pg.log >stack-logs.txt 2>/dev/null || true
leaks=0
for f in "$SEC"/*.password; do
  secret=$(<"$f")
  for seen in ps.txt metrics.txt stack-logs.txt produce.err aggregate.out aggregate.err refused.err \
              migrate.err kcat.err kcatdl.err pgplain.err pgca.err pgpw.err; do
    if [[ -e $seen ]] && grep -qF -- "$secret" "$seen"; then
      log "the password of $(basename "$f" .password) is in $seen"
      leaks=1
    fi
  done
done
(( leaks == 0 )) || fail "secrets leaked (above)"
log "no secret in ps, the metrics ($(wc -l <metrics.txt) lines) or $(wc -l <stack-logs.txt) lines of logs"
