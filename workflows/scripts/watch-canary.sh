set -euo pipefail
# The service's deployment strategy sends the canary its share of traffic and rolls back on
# these alarms; this step makes their state visible in the run and stops early on an alarm.
# CANARY_ALARMS lists every routed service's alarms, each named <ECS_SERVICE_PREFIX>-<service>-…
IFS="," read -ra all <<< "$CANARY_ALARMS"
alarms=()
for alarm in "${all[@]}"; do
  if [[ "$alarm" == "${ECS_SERVICE_PREFIX}-${SERVICE_TYPE}-"* ]]; then alarms+=("$alarm"); fi
done
if (( ${#alarms[@]} == 0 )); then echo "::error::CANARY_ALARMS names no alarm of ${SERVICE_TYPE}: nothing to watch."; exit 1; fi
deadline=$(( $(date +%s) + BAKE_MINUTES * 60 ))
while (( $(date +%s) < deadline )); do
  firing=$(aws cloudwatch describe-alarms --alarm-names "${alarms[@]}" --state-value ALARM --query "MetricAlarms[].AlarmName" --output text)
  if [[ -n "$firing" ]]; then echo "::error title=Canary unhealthy::alarms firing: $firing"; exit 1; fi
  sleep 30
done
echo "The canary stayed healthy for $BAKE_MINUTES minutes."
