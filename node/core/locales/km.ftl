# remedy-net labels: ភាសាខ្មែរ (Khmer).
# REVIEW: machine-assisted draft; to be reviewed by a native speaker before use
# in reports. Keep the ids; translate the text after "=".

## Themes
theme-access-to-information = ការទទួលបានព័ត៌មាន
theme-grievance-channels = យន្តការដោះស្រាយបណ្តឹង
theme-legal-aid = ជំនួយផ្លូវច្បាប់
theme-recruitment-fees = ថ្លៃជ្រើសរើស
theme-cross-border-referral = ការបញ្ជូនករណីឆ្លងដែន
theme-data-monitoring = ទិន្នន័យ និងការតាមដាន
theme-capacity-building = ការកសាងសមត្ថភាព

## Stakeholder groups
group-government = រដ្ឋាភិបាល
group-bar-association = គណៈមេធាវី
group-legal-expert = អ្នកជំនាញច្បាប់
group-cso = អង្គការសង្គមស៊ីវិល
group-recruitment-agency = ភ្នាក់ងារជ្រើសរើស
group-recruitment-agency-association = សមាគមភ្នាក់ងារជ្រើសរើស
group-mrc = មជ្ឈមណ្ឌលធនធានពលករចំណាកស្រុក
group-japan-support-org = អង្គការគាំទ្រនៅជប៉ុន
group-employer = និយោជក
group-union = សហជីព

## Priorities
priority-high = ខ្ពស់
priority-medium = មធ្យម
priority-low = ទាប

## Statuses of recommendations
recommendation-status-proposed = បានស្នើ
recommendation-status-endorsed-nationally = បានអនុម័តថ្នាក់ជាតិ
recommendation-status-adopted = បានទទួលយក
recommendation-status-in-progress = កំពុងអនុវត្ត
recommendation-status-implemented = បានអនុវត្ត
recommendation-status-dropped = បានបោះបង់

## Stages of work-plan items
item-stage-draft = សេចក្តីព្រាង
item-stage-proposed = បានស្នើ
item-stage-objected = មានការជំទាស់
item-stage-agreed = បានឯកភាព
item-stage-in-progress = កំពុងអនុវត្ត
item-stage-done = បានបញ្ចប់
item-stage-dropped = បានបោះបង់

## Sex
sex-female = ស្រី
sex-male = ប្រុស
sex-other = ផ្សេងទៀត
sex-unknown = មិនដឹង
sex-not-stated = មិនបានបញ្ជាក់

## Age bands
age-band-15-24 = ១៥ ដល់ ២៤ ឆ្នាំ
age-band-25-34 = ២៥ ដល់ ៣៤ ឆ្នាំ
age-band-35-44 = ៣៥ ដល់ ៤៤ ឆ្នាំ
age-band-45-plus = ៤៥ ឆ្នាំឡើងទៅ
age-band-unknown = មិនដឹង

## Residence status in Japan
residence-status-titp = កម្មសិក្សាការីបច្ចេកទេស (TITP)
residence-status-ssw-1 = ពលករជំនាញជាក់លាក់ (១)
residence-status-ssw-2 = ពលករជំនាញជាក់លាក់ (២)
residence-status-engineer-specialist = វិស្វករ / អ្នកឯកទេស
residence-status-student = និស្សិត
residence-status-irregular = ស្ថានភាពមិនប្រក្រតី
residence-status-other = ផ្សេងទៀត
residence-status-not-yet-departed = មិនទាន់ចេញដំណើរ

## Sectors
sector-agriculture = កសិកម្ម
sector-fishery = នេសាទ
sector-construction = សំណង់
sector-food-manufacturing = ផលិតកម្មម្ហូបអាហារ
sector-food-service = សេវាម្ហូបអាហារ
sector-manufacturing = ផលិតកម្ម
sector-nursing-care = ការថែទាំ
sector-building-cleaning = សម្អាតអគារ
sector-accommodation = ស្នាក់នៅ
sector-shipbuilding = សាងសង់នាវា
sector-automobile-repair = ជួសជុលរថយន្ត
sector-other = ផ្សេងទៀត

## Stage of migration
case-stage-pre-departure = មុនចេញដំណើរ
case-stage-in-employment = ក្នុងពេលធ្វើការ
case-stage-return = ក្រោយវិលត្រឡប់

## Grievances
grievance-unpaid-wages = មិនបានបើកប្រាក់ឈ្នួល
grievance-recruitment-fees-debt = ថ្លៃជ្រើសរើស និងបំណុល
grievance-document-retention = ការរឹបអូសលិខិតឆ្លងដែន ឬឯកសារ
grievance-contract-deception = កិច្ចសន្យាបោកប្រាស់
grievance-excessive-overtime = ម៉ោងបន្ថែមហួសកម្រិត
grievance-unsafe-work-injury = ការងារគ្មានសុវត្ថិភាព ឬគ្រោះថ្នាក់ការងារ
grievance-harassment-violence = ការយាយី ឬអំពើហិង្សា
grievance-restricted-movement = ការរឹតត្បិតការធ្វើដំណើរ
grievance-forced-return-dismissal = ការបង្ខំឱ្យវិលត្រឡប់ ឬការបណ្តេញចេញ
grievance-pregnancy-discrimination = ការរើសអើងដោយសារមានផ្ទៃពោះ
grievance-social-insurance = ធានារ៉ាប់រងសង្គម
grievance-housing = លំនៅដ្ឋាន
grievance-other = ផ្សេងទៀត

## Channels
channel-mrc = មជ្ឈមណ្ឌលធនធានពលករចំណាកស្រុក
channel-embassy-labour-attache = ទីប្រឹក្សាការងារនៃស្ថានទូត
channel-otit = OTIT (អង្គការកម្មសិក្សាបច្ចេកទេស)
channel-labour-inspection = អធិការកិច្ចការងារ
channel-legal-aid = ជំនួយផ្លូវច្បាប់
channel-union-cso = សហជីព ឬអង្គការសង្គមស៊ីវិល
channel-jp-mirai = JP-MIRAI
channel-recruitment-agency = ភ្នាក់ងារជ្រើសរើស
channel-employer = និយោជក
channel-hotline = ខ្សែទូរស័ព្ទជំនួយ

## Outcomes
outcome-pending = កំពុងដោះស្រាយ
outcome-resolved-compensated = បានដោះស្រាយ ដោយមានសំណង
outcome-resolved-non-monetary = បានដោះស្រាយ ដោយមិនមែនជាប្រាក់
outcome-referred = បានបញ្ជូនបន្ត
outcome-withdrawn = បានដកបណ្តឹង
outcome-unresolved-closed = បិទដោយមិនបានដោះស្រាយ
outcome-returned-without-remedy = វិលត្រឡប់ដោយគ្មានដំណោះស្រាយ

## Units
unit-count = ចំនួន
unit-percentage = ភាគរយ
unit-days = ថ្ងៃ
unit-currency = ប្រាក់

## Tables of statistics releases, and the measures of the resolution table
table-grievance-outcome = ការលើកឡើងពីបណ្តឹង តាមលទ្ធផល
table-channel-outcome = ករណី តាមបណ្តាញ និងលទ្ធផល
table-sector-sex = ករណី តាមវិស័យ និងភេទ
table-status-grievance = ការលើកឡើងពីបណ្តឹង តាមស្ថានភាពស្នាក់នៅ
table-resolution = ករណីដែលបានបិទ តាមបណ្តាញ
measure-closed = ករណីដែលបានបិទ
measure-median-days = មេដ្យាននៃចំនួនថ្ងៃរហូតដល់បិទ
measure-compensation-usd = សំណង (ដុល្លារអាមេរិក)
