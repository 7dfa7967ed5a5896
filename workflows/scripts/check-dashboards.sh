set -euo pipefail
# The application team's Grafana dashboards: every *.json under DASHBOARDS_DIR must be a dashboard
# Grafana's file provider loads as it is. Every problem is named; once all pass, the files are copied
# into $CHECKED_DASHBOARDS, the only thing sync-dashboards.sh uploads, so nothing else of the folder
# (a README, a draft) ever reaches Grafana.
CHECKED_DASHBOARDS=$(mktemp -d)
trap 'rm -rf "$CHECKED_DASHBOARDS"' EXIT
problems=0
annotation() {
  # Workflow-command escaping: a property ends at "," or ":", and "%" starts an escape anywhere.
  local level=$1 at=${2//%/%25} message="$2 $3"
  at=${at//,/%2C}
  echo "::$level file=${at//:/%3A}::${message//%/%25}"
}
problem() {
  problems=$((problems + 1))
  annotation error "$1" "$2"
}
declare -A uid_file=() title_file=()
checked=0
passed=()

check_dashboard() {
  local file=$1 size facts uid_json title_json wrapped titled unknown key
  if [ -L "$file" ]; then
    problem "$file" "is a symbolic link: commit the dashboard's JSON itself."
    return
  fi
  size=$(wc -c < "$file")
  if (( size > MAX_DASHBOARD_BYTES )); then
    problem "$file" "is $size bytes, over the limit of $MAX_DASHBOARD_BYTES: split the dashboard in two."
    return
  fi
  # One jq reads all the check needs of the file, a line each. One JSON object, not several values
  # one after the other: -s reads them all. The uid and title as JSON text, so a line break or a
  # quote inside a value cannot pass for a valid uid. Last, the data source uids the platform lacks.
  if ! facts=$(jq -rs --arg platform "$PLATFORM_DATASOURCE_UIDS" '
    if length == 1 and (.[0] | type == "object") then .[0] else error("not one JSON object") end
    | (.uid | tojson),
      (.title | tojson),
      has("dashboard"),
      (.title | type == "string" and test("\\S")),
      ((($platform | split(" ")) + ["grafana", "-- Grafana --", "-- Mixed --", "-- Dashboard --"]) as $known
        | [.. | objects | .datasource | objects | .uid | strings | select(startswith("$") | not)]
        | unique[] | select(IN($known[]) | not) | tojson)' "$file" 2> /dev/null); then
    problem "$file" "is not one JSON object: Grafana loads a dashboard's JSON model (check it with jq . $file)."
    return
  fi
  { read -r uid_json; read -r title_json; read -r wrapped; read -r titled; mapfile -t unknown; } <<< "$facts"
  if [ "$uid_json" = null ]; then
    if [ "$wrapped" = true ]; then
      problem "$file" "has no top-level uid: it looks like an export from Grafana's HTTP API, which wraps the dashboard in \`dashboard\`; commit the object inside it."
    else
      problem "$file" "has no uid: give it one of 1 to 40 letters, digits, '-' or '_', so Grafana keeps its links and history."
    fi
  elif [[ ! $uid_json =~ ^\"[A-Za-z0-9_-]{1,40}\"$ ]]; then
    problem "$file" "has the uid ${uid_json:0:80}: a uid is 1 to 40 letters, digits, '-' or '_'."
  else
    key=${uid_json,,}
    if [[ $key == "\"${RESERVED_UID_PREFIX,,}"* ]]; then
      problem "$file" "has the uid $uid_json: uids starting with \"$RESERVED_UID_PREFIX\" (in any case) belong to the platform's dashboards; choose another."
    elif [ -n "${uid_file[$key]:-}" ]; then
      problem "$file" "has the uid $uid_json, as ${uid_file[$key]} has: Grafana keeps one dashboard per uid (in any case); choose another."
    else
      uid_file[$key]=$file
    fi
  fi
  if [ "$titled" != true ]; then
    problem "$file" "has no title: Grafana lists and finds dashboards by it."
  elif [ -n "${title_file[$title_json]:-}" ]; then
    problem "$file" "has the title ${title_json:0:120}, as ${title_file[$title_json]} has: titles are unique within Grafana's folder Application."
  else
    title_file[$title_json]=$file
  fi
  # A panel on a data source this Grafana lacks loads, then shows "data source not found": warned,
  # not refused, as the uid may be created by hand in Grafana. Variables ("$ds", "${ds}") and
  # Grafana's built-in sources are not uids to check.
  local uid
  for uid in "${unknown[@]}"; do
    annotation warning "$file" "names the data source uid ${uid:0:80}, which the platform's Grafana does not provision: its panels will show no data. Name one of: $PLATFORM_DATASOURCE_UIDS."
  done
}

# "dashboards/" and "dashboards" are the same folder: file paths are cut relative to it.
while [[ $DASHBOARDS_DIR == */ ]]; do DASHBOARDS_DIR=${DASHBOARDS_DIR%/}; done

if [ -L "$DASHBOARDS_DIR" ] || { [ -e "$DASHBOARDS_DIR" ] && [ ! -d "$DASHBOARDS_DIR" ]; }; then
  problem "$DASHBOARDS_DIR" "is not a directory: mlops-cicd:appDashboardsDirectory names the folder that holds the dashboards' JSON files."
elif [ -d "$DASHBOARDS_DIR" ]; then
  while IFS= read -r -d '' file; do
    checked=$((checked + 1))
    relative=${file#"$DASHBOARDS_DIR"/}
    # The name becomes an S3 key and a path in Grafana's container: plain characters only.
    if [[ ! $relative =~ ^[A-Za-z0-9._/-]+$ ]]; then
      problems=$((problems + 1))
      echo "::error::$(printf '%q' "$file") has a name Grafana's folder will not take: use letters, digits, '.', '_', '-' and '/' only."
      continue
    fi
    before=$problems
    check_dashboard "$file"
    if (( problems == before )); then passed+=("$relative"); fi
  done < <(find "$DASHBOARDS_DIR" -name '*.json' \( -type f -o -type l \) -print0 | LC_ALL=C sort -z)
else
  echo "No $DASHBOARDS_DIR in the repository: the team has no dashboards of its own."
fi

if (( problems > 0 )); then
  echo "::error title=Dashboards refused::$problems problem(s) in $DASHBOARDS_DIR; no dashboard was loaded into Grafana."
  exit 1
fi
# The files that passed, their folders kept, in one cp: a refused set copies nothing.
if (( ${#passed[@]} > 0 )); then
  (cd "$DASHBOARDS_DIR" && cp --parents -- "${passed[@]}" "$CHECKED_DASHBOARDS/")
fi
echo "$checked dashboard(s) in $DASHBOARDS_DIR checked."
