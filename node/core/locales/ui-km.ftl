# remedy-net dashboard (and reports): ភាសាខ្មែរ (Khmer).
# REVIEW: machine-assisted draft; to be reviewed by a native speaker before use.
# Keep the ids and the { $placeables }; translate the text after "=".

## Frame: title, navigation, language switch, footer
ui-title = ផ្ទាំងគ្រប់គ្រង remedy-net
ui-nav-overview = ទិដ្ឋភាពទូទៅថ្នាក់តំបន់
ui-nav-recommendations = អនុសាសន៍
ui-nav-workplan = ផែនការការងារ
ui-nav-workshops = សិក្ខាសាលា
ui-nav-pilots = គម្រោងសាកល្បង
ui-nav-partners = ដៃគូ
ui-nav-network = បណ្តាញ
ui-sign-out = ចាកចេញ
ui-loading = កំពុងផ្ទុក…
ui-language = ភាសា
ui-footer = ទិដ្ឋភាពសម្រាប់តែអាន នៃច្បាប់ចម្លងភស្តុតាងថ្នាក់តំបន់ដែលរក្សាទុកនៅថ្នាំងនេះ។
ui-footer-suppressed = មានន័យថា តួលេខត្រូវបានលាក់ដោយការគ្រប់គ្រងការបង្ហាញទិន្នន័យស្ថិតិ ហើយមិនដែលបង្ហាញជាសូន្យឡើយ;
ui-footer-lower-bound = សម្គាល់ផលបូកថ្នាក់តំបន់ដែលរួមបញ្ចូលផ្នែកដែលត្រូវបានលាក់ (ដែនកំណត់ក្រោម);
ui-footer-noised = សម្គាល់តម្លៃប៉ាន់ស្មានតាមវិធីឯកជនភាពឌីផេរ៉ង់ស្យែល (differential privacy) ដែលគ្មានភាពលំអៀង ជាមួយ ± កំហុសស្តង់ដាររបស់វា (អាចជាអវិជ្ជមាន នៅពេលតម្លៃរំខានចៃដន្យលើសពីចំនួនតូច)។
ui-fallback = អត្ថបទចំនួន { $count } នៃទំព័រនេះ មិនទាន់បានបកប្រែជាភាសានេះនៅឡើយទេ ហើយត្រូវបានបង្ហាញជាភាសាអង់គ្លេស។
ui-error = មិនអាចផ្ទុកទំព័រនេះបានទេ: { $message }
ui-download-json = ទាញយកជា JSON
ui-as-csv = ជា CSV:
ui-translated-by = បកប្រែដោយ { $by }
ui-original = ច្បាប់ដើម
ui-not-received = ថ្នាំងនេះមិនទាន់បានទទួល
ui-none = គ្មាន
ui-yes = បាទ/ចាស
ui-no = ទេ

## Sign-in pages written by the node
ui-signin-needed = ផ្ទាំងគ្រប់គ្រងនេះ សម្រាប់អ្នកសម្របសម្រួល សវនករ និងអង្គការដៃគូរបស់សហព័ន្ធ។
ui-signin-link = សូមចូលដោយប្រើតំណភ្ជាប់ដែលប្រើបានតែម្តង:
ui-signin-refused = ការចូលត្រូវបានបដិសេធ: { $reason }។
ui-signin-new-link = ទទួលតំណភ្ជាប់ថ្មីដោយប្រើ:
ui-signed-out = បានចាកចេញ។ សូមចូលម្តងទៀតដោយប្រើតំណភ្ជាប់ថ្មី:

## Figures: how a withheld or estimated figure is shown
ui-figure-suppressed = បានលាក់
ui-figure-suppressed-title = បានលាក់ដោយការគ្រប់គ្រងការបង្ហាញទិន្នន័យស្ថិតិ
ui-figure-noised-title = តម្លៃប៉ាន់ស្មានតាមវិធីឯកជនភាពឌីផេរ៉ង់ស្យែល: កំហុសស្តង់ដារ { $error } (វ៉ារ្យ៉ង់ { $variance }); ប្រហែល ៩៥% នៃតម្លៃប៉ាន់ស្មានបែបនេះ ស្ថិតនៅក្នុងចន្លោះ ±{ $range } ពីចំនួនពិត
ui-chart-gaps = × សម្គាល់ត្រីមាសដែលតួលេខត្រូវបានលាក់ មិនពិតប្រាកដ ឬមិនមាន: ជាចន្លោះទទេ មិនមែនសូន្យទេ។
ui-status-published = បានផ្សព្វផ្សាយ
ui-status-suppressed = បានលាក់
ui-status-noised = តម្លៃប៉ាន់ស្មាន
ui-status-lower-bound = ដែនកំណត់ក្រោម
ui-status-noised-lower-bound = ដែនកំណត់ក្រោមប៉ាន់ស្មាន
ui-status-not-additive = ផលបូកមិនត្រូវគ្នា
ui-status-not-released = មិនបានចេញផ្សាយ
ui-status-no-cases = គ្មានករណី
ui-status-missing = គ្មានទិន្នន័យ
ui-status-reported = បានរាយការណ៍

## Regional overview
ui-overview-title = ទិដ្ឋភាពទូទៅថ្នាក់តំបន់
ui-overview-none = មិនទាន់មានការចេញផ្សាយស្ថិតិណាមួយមកដល់ថ្នាំងនេះនៅឡើយទេ។
ui-overview-intro = ករណីដែលបានចុះបញ្ជីដោយប្រព័ន្ធជាតិរបស់សមាជិក តាមការចេញផ្សាយ។ ខ្វះសម្រាប់រយៈពេលនេះ: { $missing }។
ui-region = តំបន់
ui-all-cases = ករណីទាំងអស់
ui-cases-by-outcome = ករណីតាមលទ្ធផល សម្រាប់ { $period }
ui-cases-once = ករណីនីមួយៗត្រូវបានរាប់តែម្តង (តារាង: { $table })។
ui-mentions-by-grievance = ការលើកឡើងពីបណ្តឹង តាមប្រភេទបណ្តឹង សម្រាប់ { $period }
ui-mentions-note = ការលើកឡើងពីបណ្តឹង: ករណីមួយត្រូវបានរាប់ម្តងសម្រាប់បណ្តឹងនីមួយៗដែលករណីនោះបានលើកឡើង ដូច្នេះតួលេខទាំងនេះមិនបូកបញ្ចូលគ្នាស្មើនឹងចំនួនករណីទេ។
ui-no-table = គ្មានតារាង "{ $table }" សម្រាប់ { $period }។
ui-member-revision = { $member } — ការកែប្រែលើកទី { $revision }
ui-over-time = និន្នាការតាមពេលវេលា
ui-resolved-chart = បានដោះស្រាយ (មានសំណង ឬគ្មាន), % នៃករណី
ui-resolved-note = ករណីដែលបានដោះស្រាយ ធៀបនឹងករណីទាំងអស់ដែលបានបើកក្នុងត្រីមាសនោះ (ករណីនីមួយៗរាប់តែម្តង); អត្រារបស់តំបន់គណនាពីផលបូកនៃចំនួន មិនមែនជាមធ្យមភាគនៃអត្រារបស់សមាជិកទេ។
ui-median-chart = មេដ្យាននៃចំនួនថ្ងៃរហូតដល់បិទ តាមបណ្តាញ: { $channel }
ui-mentions-each-country = ការលើកឡើងពីបណ្តឹង តាមលទ្ធផល តាមប្រទេសនីមួយៗ សម្រាប់ { $period }

## Recommendations
ui-recs-title = អនុសាសន៍ពីសិក្ខាសាលាថ្នាក់ជាតិ ({ $count })
ui-by-country-status = តាមប្រទេស និងស្ថានភាព
ui-by-country-theme = តាមប្រទេស និងប្រធានបទ
ui-all-recs = អនុសាសន៍ទាំងអស់

## Work plan
ui-plan-title = ផែនការការងាររួម (ចំណុច: { $count })
ui-plan-none = មិនទាន់មានចំណុចនៃផែនការការងារនៅឡើយទេ។
ui-back-to-plan = ផែនការការងារ
ui-stage = ដំណាក់កាល
ui-version-of = កំណែ { $version } នៃ { $current }
ui-agreed-at = បានឯកភាពនៅកំណែ { $version }
ui-not-agreed = មិនទាន់ឯកភាព
ui-opened-by = បើកដោយ { $by }
ui-proposed-by = ស្នើដោយ { $by }
ui-item-lead = អ្នកដឹកនាំ { $lead }; សមាជិក { $members }; កាលកំណត់ { $due }។
ui-overdue = ហួសកាលកំណត់
ui-at-risk = មានហានិភ័យ
ui-open = មិនទាន់សម្រេច
ui-late = យឺត
ui-by-date = ត្រឹម { $date }
ui-endorsements = { $endorsed } ក្នុងចំណោម { $needed } ដែលត្រូវការ
ui-endorsements-objecting = { $endorsed } ក្នុងចំណោម { $needed } ដែលត្រូវការ និង { $objected } ជំទាស់
ui-objective = គោលបំណង
ui-outputs = ទិន្នផលរំពឹងទុក
ui-activities = សកម្មភាព
ui-draws-on = ផ្អែកលើ
ui-pilots-testing = គម្រោងសាកល្បងដែលកំពុងសាកល្បងអនុសាសន៍ទាំងនេះ
ui-pilot-span = { $title }, ពី { $start } ដល់ { $end }
ui-none-reported = គ្មានការរាយការណ៍
ui-positions = ជំហរ
ui-version-tally = កំណែ { $version }: { $tally }។
ui-agreed-tally = កំណែដែលបានឯកភាព { $version }: { $tally }។
ui-endorsed = បានអនុម័ត
ui-objected = បានជំទាស់
ui-pending = កំពុងរង់ចាំ
ui-event-version = { $id } (កំណែ { $version })
ui-advisory = ជំហរប្រឹក្សារបស់អង្គការដៃគូ
ui-advisory-note = បង្ហាញនៅក្បែរជំហររបស់សមាជិក ប៉ុន្តែមិនដែលរាប់បញ្ចូលក្នុងការឯកភាពឡើយ។
ui-endorses = អនុម័ត
ui-objects = ជំទាស់
ui-version-matrix = ការអនុម័ត និងការជំទាស់ តាមកំណែនីមួយៗ
ui-version-matrix-note = ជំហរចុងក្រោយរបស់សមាជិកនីមួយៗលើកំណែនីមួយៗ; វិសោធនកម្មសារវន្តកំណត់ឡើងវិញនូវអ្វីដែលត្រូវរាប់ ចំណែកការកែសម្រួលអត្ថបទរក្សាវាទុកដដែល។
ui-change-opened = បានបើក
ui-change-material = សារវន្ត
ui-change-editorial = កែសម្រួលអត្ថបទ
ui-change-material-contested = សារវន្ត (មានការតវ៉ា)
ui-awaited = កំពុងរង់ចាំ
ui-objections = ការជំទាស់ និងការឆ្លើយតប
ui-objection = { $member } លើកំណែ { $version } ({ $id }):
ui-answered = { $by } បានឆ្លើយតប ({ $id }):
ui-not-answered = មិនទាន់មានការឆ្លើយតប
ui-milestones = ចំណុចសំខាន់ៗ
ui-indicators = សូចនាករ
ui-indicator-note = តម្លៃមូលដ្ឋាន { $baseline } ({ $baseline_date }), គោលដៅ { $target } ({ $target_date }); { $source }
ui-indicator-series = គណនាពីការចេញផ្សាយរបស់ { $members }, { $table }, { $row } × { $column }
ui-indicator-reported = តម្លៃដែលបានរាយការណ៍
ui-every-member = សមាជិកទាំងអស់
ui-of-the-way = សម្រេចបាន { $percent }% ឆ្ពោះទៅគោលដៅ
ui-timeline = កាលប្បវត្តិ
ui-versions = កំណែ

## Pilots
ui-pilots-title = គម្រោងសាកល្បង ({ $count })
ui-pilots-none = មិនទាន់មានគម្រោងសាកល្បងណាមួយបានចុះបញ្ជីនៅឡើយទេ។
ui-pilot-run = { $country }, ពី { $start } ដល់ { $end }; អនុវត្តដោយ { $by }
ui-pilot-tests = សាកល្បង
ui-pilot-items = ចំណុចនៃផែនការការងារដែលផ្អែកលើអនុសាសន៍ទាំងនោះ:
ui-none-yet = មិនទាន់មាន
ui-not-counted = មិនត្រូវបានរាប់: { $reason }
ui-no-progress = មិនទាន់មានការរាយការណ៍អំពីវឌ្ឍនភាពនៅឡើយទេ។
ui-older-reports = របាយការណ៍គម្រោងសាកល្បងចាស់ៗ (ចំនួនគត់ គ្មានឯកតា ឬគោលដៅ)

## Partners
ui-partners-title = អង្គការដៃគូ ({ $count })
ui-partners-note = ចុះបញ្ជីដោយសមាជិកនីមួយៗនៅក្នុងកំណត់ហេតុរួមរបស់ខ្លួន។ ដៃគូចុះហត្ថលេខាលើសេចក្តីថ្លែងការណ៍ផ្ទាល់ខ្លួន; ជំហររបស់ដៃគូលើចំណុចនៃផែនការការងារ មានលក្ខណៈជាការប្រឹក្សាតែប៉ុណ្ណោះ ហើយមិនដែលរាប់បញ្ចូលក្នុងការឯកភាពឡើយ។
ui-partners-none = មិនទាន់មានដៃគូណាមួយបានចុះបញ្ជីនៅឡើយទេ។

## Workshops
ui-workshops-title = សិក្ខាសាលាពិគ្រោះយោបល់ថ្នាក់ជាតិ ({ $count })
ui-workshops-note = អ្នកចូលរួមត្រូវបានកត់ត្រាជាចំនួន មិនដែលជាឈ្មោះឡើយ។ ចំនួនដែលតិចជាង { $threshold } (កម្រិតកំណត់នៃការបង្ហាញរបស់សហព័ន្ធ) ត្រូវបានលាក់ ហើយចំនួនទីពីរក៏ត្រូវបានលាក់ដែរ ក្នុងករណីដែលផលបូកសរុបអាចបង្ហាញចំនួននោះឡើងវិញ; ផលបូករបស់ប្រទេសមួយដែលរួមបញ្ចូលចំនួនដែលបានលាក់ គឺជាដែនកំណត់ក្រោម (≥)។
ui-workshops-none = មិនទាន់មានសិក្ខាសាលាណាមួយត្រូវបានកត់ត្រានៅឡើយទេ។
ui-workshops-member = { $member }: សិក្ខាសាលា { $workshops }, អ្នកចូលរួម { $participants }, អនុសាសន៍ដែលបានបញ្ជាក់សុពលភាព { $validated }
ui-agenda-summary = របៀបវារៈ និងសេចក្តីសង្ខេប

## Network
ui-network-title = បណ្តាញ តាមការមើលឃើញរបស់ { $node } (កំណែ manifest { $version })
ui-last-audit = សវនកម្មចុងក្រោយ:
ui-audit-by = ដោយ { $auditor }, { $time }
ui-no-audit = មិនទាន់មានការកត់ត្រានៅថ្នាំងនេះ
ui-members = សមាជិក
ui-logs-held = កំណត់ហេតុដែលរក្សាទុក
ui-peers = ថ្នាំងភ្ជាប់
ui-forks = ការបំបែក (fork) និងការប្រកាសផ្ទុយគ្នា (equivocation)
ui-fork = { $origin } បានចុះហត្ថលេខាលើព្រឹត្តិការណ៍ពីរផ្សេងគ្នាដែលមានលេខ { $seq } (ពី { $peer })
ui-equivocation = ការប្រកាសផ្ទុយគ្នា:
ui-rejected = ព្រឹត្តិការណ៍ដែលត្រូវបានបដិសេធ

## Column headings of tables
ui-col-activity = សកម្មភាព
ui-col-all = ទាំងអស់
ui-col-awaited = កំពុងរង់ចាំ
ui-col-baseline = តម្លៃមូលដ្ឋាន
ui-col-best-known = ចុងក្រោយបំផុតដែលដឹង
ui-col-by = ដោយ
ui-col-by-group = តាមក្រុមអ្នកពាក់ព័ន្ធ
ui-col-by-sex = តាមភេទ
ui-col-change = ការផ្លាស់ប្តូរ
ui-col-channel = បណ្តាញ
ui-col-count = ចំនួន
ui-col-country = ប្រទេស
ui-col-date = កាលបរិច្ឆេទ
ui-col-due = កាលកំណត់
ui-col-endorsements = ការអនុម័ត
ui-col-endpoint = ចំណុចតភ្ជាប់
ui-col-event = ព្រឹត្តិការណ៍
ui-col-events = ព្រឹត្តិការណ៍
ui-col-from = ពី
ui-col-grievance = បណ្តឹង
ui-col-grievance-outcome = បណ្តឹង \ លទ្ធផល
ui-col-group = ក្រុមអ្នកពាក់ព័ន្ធ
ui-col-halted = បានផ្អាក
ui-col-id = លេខសម្គាល់
ui-col-indicator = សូចនាករ
ui-col-item = ចំណុច
ui-col-items-drawing = ចំណុចដែលផ្អែកលើអនុសាសន៍ទាំងនោះ
ui-col-lag = ភាពយឺតយ៉ាវ
ui-col-languages = ភាសា
ui-col-last = ចុងក្រោយ
ui-col-last-error = កំហុសចុងក្រោយ
ui-col-latest = ថ្មីបំផុត
ui-col-lead = អ្នកដឹកនាំ
ui-col-lessons = មេរៀនដែលទទួលបាន
ui-col-member = សមាជិក
ui-col-milestone = ចំណុចសំខាន់
ui-col-name = ឈ្មោះ
ui-col-note = កំណត់សម្គាល់ ឬហេតុផល
ui-col-organiser = អ្នករៀបចំ
ui-col-origin = ប្រភព
ui-col-outcome = លទ្ធផល
ui-col-participants = អ្នកចូលរួម
ui-col-partner = ដៃគូ
ui-col-peer = ថ្នាំងភ្ជាប់
ui-col-period = រយៈពេល
ui-col-pilot = គម្រោងសាកល្បង
ui-col-place = ទីកន្លែង
ui-col-position = ជំហរ
ui-col-position-on = ជំហរលើកំណែ { $version }
ui-col-priority = អាទិភាព
ui-col-problems = បញ្ហាដែលបានជួបប្រទះ
ui-col-progress = វឌ្ឍនភាព
ui-col-reached = បានសម្រេច
ui-col-reason = ហេតុផល
ui-col-registered-at = ចុះបញ្ជីនៅ
ui-col-report = របាយការណ៍
ui-col-responsible = អ្នកទទួលខុសត្រូវ
ui-col-retired-at = ដកចេញនៅ
ui-col-role = តួនាទី
ui-col-stage = ដំណាក់កាល
ui-col-state = ស្ថានភាព
ui-col-status = ស្ថានភាព
ui-col-submitted-by = ដាក់ស្នើដោយ
ui-col-target = គោលដៅ
ui-col-tests = អនុសាសន៍ដែលសាកល្បង
ui-col-text = អត្ថបទ
ui-col-theme = ប្រធានបទ
ui-col-title = ចំណងជើង
ui-col-to = ដល់
ui-col-unit = ឯកតា
ui-col-validated = បានបញ្ជាក់សុពលភាព
ui-col-validated-at = បញ្ជាក់សុពលភាពនៅ
ui-col-values = តម្លៃ
ui-col-version = កំណែ
ui-col-what = អ្វីដែលបានធ្វើ
ui-col-workshop = សិក្ខាសាលា
