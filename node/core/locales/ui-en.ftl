# remedy-net dashboard (and reports): English, the reference language.
# Translators: keep each id (left of " = ") and every placeable such as
# { $period } as it is; translate the rest. A message is one line. Placeables
# are only plain variables (no selectors), because the dashboard's script
# fills them in itself. Codes (grievances, outcomes, themes...) are labelled
# in the other files (en.ftl, km.ftl, ...), not here.
# Files: ui-en, ui-km, ui-id, ui-vi, ui-ja. A message missing from a
# language is shown in English and counted at the foot of the page.

## Frame: title, navigation, language switch, footer
ui-title = remedy-net dashboard
ui-nav-overview = Regional overview
ui-nav-recommendations = Recommendations
ui-nav-workplan = Work plan
ui-nav-workshops = Workshops
ui-nav-pilots = Pilots
ui-nav-partners = Partners
ui-nav-network = Network
ui-nav-inbox = Inbox
ui-nav-mynode = This node
ui-sign-out = Sign out
ui-print = Print
ui-loading = Loading…
ui-language = Language
ui-footer = Read-only view of this node's copy of the regional evidence.
ui-footer-suppressed = figures are withheld by disclosure control and never shown as zero;
ui-footer-lower-bound = marks a regional sum over suppressed parts (a lower bound);
ui-footer-noised = marks a differentially private estimate, unbiased, with ± its standard error (negative where the noise outweighs a small count).
ui-fallback = { $count } texts of this page are not translated into this language yet and are shown in English.
ui-error = Could not load this page: { $message }
ui-download-json = Download as JSON
ui-download-csv = Download as CSV
ui-download-svg = Download as SVG
ui-as-csv = as CSV:
ui-translated-by = translated by { $by }
ui-original = original
ui-not-received = not received by this node
ui-none = none
ui-yes = yes
ui-no = no

## Sign-in pages written by the node
ui-signin-needed = This dashboard is for the federation's coordinators, auditors and partner organisations.
ui-signin-link = Sign in with a one-time link:
ui-signin-refused = Sign-in refused: { $reason }.
ui-signin-new-link = Get a new link with:
ui-signed-out = Signed out. Sign in again with a new link:

## Figures: how a withheld or estimated figure is shown
ui-figure-suppressed = suppressed
ui-figure-suppressed-title = withheld by disclosure control
ui-figure-noised-title = differentially private estimate: standard error { $error } (variance { $variance }); about 95% of such estimates fall within ±{ $range } of the true count
ui-chart-gaps = × marks a quarter whose figure is withheld, inexact or not available: a gap, not zero.
ui-status-published = published
ui-status-suppressed = suppressed
ui-status-noised = estimate
ui-status-lower-bound = lower bound
ui-status-noised-lower-bound = estimated lower bound
ui-status-not-additive = does not add up
ui-status-not-released = not released
ui-status-no-cases = no cases
ui-status-missing = missing
ui-status-reported = reported

## Regional overview
ui-overview-title = Regional overview
ui-overview-none = No statistics release has reached this node yet.
ui-overview-intro = Cases registered by the members' national systems, as released. Missing this period: { $missing }.
ui-region = region
ui-all-cases = all cases
ui-cases-by-outcome = Cases by outcome, { $period }
ui-cases-once = Each case counted once (table: { $table }).
ui-mentions-by-grievance = Grievance mentions by grievance, { $period }
ui-mentions-note = Grievance mentions: a case counts once per grievance it names, so these figures do not add up to cases.
ui-no-table = No table "{ $table }" for { $period }.
ui-member-revision = { $member } — revision { $revision }
ui-over-time = Over time
ui-resolved-chart = Resolved (compensated or not), % of cases
ui-resolved-note = Resolved cases over all cases opened in the quarter (each case once); the region's rate from the summed counts, never an average of the members' rates.
ui-median-chart = Median days to close, channel: { $channel }
ui-mentions-each-country = Grievance mentions by outcome, each country, { $period }

## Recommendations
ui-recs-title = Recommendations from the national workshops ({ $count })
ui-by-country-status = By country and status
ui-by-country-theme = By country and theme
ui-all-recs = All recommendations

## Work plan
ui-plan-title = The joint work plan (items: { $count })
ui-plan-none = No work-plan item yet.
ui-back-to-plan = the work plan
ui-stage = Stage
ui-version-of = version { $version } of { $current }
ui-agreed-at = agreed at version { $version }
ui-not-agreed = not agreed
ui-opened-by = Opened by { $by }
ui-proposed-by = proposed by { $by }
ui-item-lead = lead { $lead }; members { $members }; due { $due }.
ui-overdue = overdue
ui-at-risk = at risk
ui-open = open
ui-late = late
ui-by-date = by { $date }
ui-endorsements = { $endorsed } of { $needed } needed
ui-endorsements-objecting = { $endorsed } of { $needed } needed, { $objected } objecting
ui-objective = Objective
ui-outputs = Expected outputs
ui-activities = Activities
ui-draws-on = Draws on
ui-pilots-testing = Pilots testing these recommendations
ui-pilot-span = { $title }, { $start } to { $end }
ui-none-reported = none reported
ui-positions = Positions
ui-version-tally = Version { $version }: { $tally }.
ui-agreed-tally = Agreed version { $version }: { $tally }.
ui-endorsed = endorsed
ui-objected = objected
ui-pending = pending
ui-event-version = { $id } (version { $version })
ui-advisory = Advisory positions of partner organisations
ui-advisory-note = Shown beside the members' positions; never counted toward agreement.
ui-endorses = endorses
ui-objects = objects
ui-version-matrix = Endorsements and objections per version
ui-version-matrix-note = Each member's last word on each version; a material amendment resets what counts, an editorial one keeps it.
ui-change-opened = opened
ui-change-material = material
ui-change-editorial = editorial
ui-change-material-contested = material (contested)
ui-awaited = Awaited
ui-objections = Objections and answers
ui-objection = { $member } on version { $version } ({ $id }):
ui-answered = { $by } answered ({ $id }):
ui-not-answered = not answered yet
ui-milestones = Milestones
ui-indicators = Indicators
ui-indicator-note = Baseline { $baseline } ({ $baseline_date }), target { $target } ({ $target_date }); { $source }
ui-indicator-series = computed from the releases of { $members }, { $table }, { $row } × { $column }
ui-indicator-reported = reported values
ui-every-member = every member
ui-of-the-way = { $percent }% of the way
ui-timeline = Timeline
ui-versions = Versions

## Pilots
ui-pilots-title = Pilot projects ({ $count })
ui-pilots-none = No pilot registered yet.
ui-pilot-run = { $country }, { $start } to { $end }; run by { $by }
ui-pilot-tests = tests
ui-pilot-items = work-plan items drawing on them:
ui-none-yet = none yet
ui-not-counted = not counted: { $reason }
ui-no-progress = No progress reported yet.
ui-older-reports = Older pilot reports (whole numbers, no unit or target)

## Partners
ui-partners-title = Partner organisations ({ $count })
ui-partners-note = Registered by each member in its shared log. A partner signs its own statements; its positions on work-plan items are advisory and never counted toward agreement.
ui-partners-none = No partner registered yet.
ui-inbox-title = What awaits { $party } (entries: { $count })
ui-inbox-none = Nothing awaits now.
ui-mynode-title = { $node }'s own releases (only its operator sees this page)
ui-mynode-note = What a release held back is recomputed here from the private log; it never leaves this node.
ui-mynode-held = Held back in { $period }, revision { $revision } (recomputed from { $cases } cases)
ui-mynode-none = Nothing held back.
ui-mynode-imports = Case imports (the latest 20, newest first)
ui-mynode-no-imports = No import has changed the case register yet.
ui-mynode-dry-run = The next release, dry run: { $period }
ui-mynode-dry-run-compute = Compute the dry run of { $period } (reads every case; nothing is published)
ui-mynode-dry-run-note = Computed now from the private log up to event { $seq }, as revision { $revision } under threshold { $threshold }, exactly as `remedy publish --dry-run` would; nothing is published.
ui-mynode-replication = Replication
ui-mynode-replication-summary = { $connected } of { $peers } peers connected; { $lagging } logs behind what peers know.
ui-inbox-awaited = Awaited, overdue, refused
ui-inbox-new = New since you last looked
ui-inbox-mark-seen = Mark all as seen
ui-inbox-first-look = This browser has not marked anything as seen yet: every event counts as new.
ui-inbox-nothing-new = Nothing new since you last looked.

## Workshops
ui-workshops-title = National consultation workshops ({ $count })
ui-workshops-note = Participants are counts, never names. Counts below { $threshold } (the federation's disclosure threshold) are suppressed, with a second count where the total would give one back; a country's sum over suppressed counts is a lower bound (≥).
ui-workshops-none = No workshop recorded yet.
ui-workshops-member = { $member }: workshops { $workshops }, participants { $participants }, recommendations validated { $validated }
ui-agenda-summary = agenda and summary

## Network
ui-network-title = The network as { $node } sees it (manifest version { $version })
ui-last-audit = Last audit:
ui-audit-by = by { $auditor }, { $time }
ui-no-audit = none recorded at this node
ui-members = Members
ui-logs-held = Logs held
ui-peers = Peers
ui-forks = Forks and equivocations
ui-fork = { $origin } signed two events { $seq } (from { $peer })
ui-equivocation = equivocation:
ui-rejected = Rejected events

## Column headings of tables
ui-col-activity = activity
ui-col-all = all
ui-col-awaited = awaited
ui-col-baseline = baseline
ui-col-best-known = best known
ui-col-by = by
ui-col-by-group = by stakeholder group
ui-col-by-sex = by sex
ui-col-change = change
ui-col-channel = channel
ui-col-count = count
ui-col-country = country
ui-col-date = date
ui-col-due = due
ui-col-endorsements = endorsements
ui-col-endpoint = endpoint
ui-col-event = event
ui-col-events = events
ui-col-from = from
ui-col-grievance = grievance
ui-col-grievance-outcome = grievance \ outcome
ui-col-group = stakeholder group
ui-col-halted = halted
ui-col-id = id
ui-col-indicator = indicator
ui-col-item = item
ui-col-kind = kind
ui-col-items-drawing = items drawing on them
ui-col-lag = lag
ui-col-languages = languages
ui-col-last = last
ui-col-last-error = last error
ui-col-latest = latest
ui-col-lead = lead
ui-col-lessons = lessons
ui-col-member = member
ui-col-milestone = milestone
ui-col-name = name
ui-col-note = note or reason
ui-col-organiser = organiser
ui-col-origin = origin
ui-col-outcome = outcome
ui-col-participants = participants
ui-col-partner = partner
ui-col-peer = peer
ui-col-period = period
ui-col-pilot = pilot
ui-col-place = place
ui-col-position = position
ui-col-position-on = position on version { $version }
ui-col-priority = priority
ui-col-problems = problems met
ui-col-progress = of the way
ui-col-reached = reached
ui-col-reason = reason
ui-col-registered-at = registered at
ui-col-report = report
ui-col-responsible = responsible
ui-col-retired-at = retired at
ui-col-role = role
ui-col-stage = stage
ui-col-state = state
ui-col-status = status
ui-col-submitted-by = submitted by
ui-col-target = target
ui-col-tests = tests
ui-col-text = text
ui-col-theme = theme
ui-col-title = title
ui-col-to = to
ui-col-unit = unit
ui-col-time = time
ui-col-received = received
ui-col-new = new
ui-col-updated = updated
ui-col-unchanged = unchanged
ui-col-private-seq = private event
ui-col-table = table
ui-col-total = total
ui-col-figures = figures
ui-col-withheld = withheld
ui-col-validated = validated
ui-col-validated-at = validated at
ui-col-values = values
ui-col-version = version
ui-col-what = what
ui-col-workshop = workshop

## The quarterly regional bulletin (remedy report)
report-title = Regional bulletin on migrant workers' access to remedy, { $period }
report-lead = Federation { $federation }; figures as the node of { $node } holds the members' signed releases. Every figure can be recomputed from those releases.
report-headlines = Headline figures
report-headline-cases = cases registered by the members' national systems in the quarter, each case counted once (regional sum over { $members } members)
report-headline-resolved = of those cases resolved, with or without compensation (from exact counts only)
report-headline-missing = members without a release for the quarter
report-headline-grievance = grievance mentions of the most named grievance: { $grievance } (a case counts once per grievance it names)
report-headline-compensation = compensation paid, US dollars (cases closed in the quarter)
report-members = Each member's figures
report-members-note = Suppressed figures are withheld by disclosure control and never shown as zero; ~ marks an estimate with ± its standard error; ≥ a sum over suppressed parts.
report-cases = cases
report-mentions = grievance mentions
report-trends = Trends over the last quarters
report-chart-cases = Cases registered per quarter
report-chart-resolved = Resolved, % of cases
report-trends-note = A gap (×) is a quarter whose figure is withheld, inexact or not released, never a zero. The region's rate comes from the summed counts, never from an average of the members' rates.
report-workplan = The joint work plan (items: { $count })
report-recommendations = Recommendations (all: { $count })
report-quarter-mark = ★ marks a recommendation or workshop of this quarter (by its workshop's date).
report-method = Notes on method
report-method-threshold = Counts of at least 1 and below { $threshold } are suppressed in each release (primary suppression), and further counts where a total would give one back (secondary suppression); a regional sum over suppressed parts is a lower bound.
report-method-mentions = The grievance tables count a case once per grievance it names: their totals are grievance mentions, not cases. Cases are counted once in the channel, outcome and sector tables.
report-method-noise = A member may noise its counts for differential privacy (at most ε = { $epsilon } per release); such a figure is an unbiased estimate shown with its standard error.
report-verification = Verification
report-verification-note = Each release behind this bulletin: the member that signed it, its revision, its event in the member's shared log, and the member's signed checkpoint of that log, with the Merkle inclusion proof of the event checked when this bulletin was made.
report-col-origin = origin
report-col-checkpoint = checkpoint
report-col-proof = inclusion proof
report-checkpoint-size = { $size } events, root
report-proof-ok = verified
report-verify-yourself = To check it yourself: remedy --dir YOUR_FOLDER audit verify, then compare the event hashes above.
