# remedy-net labels: English (the reference language of the labels).
# Each message is a code list and a code: `theme-legal-aid`. Codes are what is
# stored and exchanged; labels are only shown. Translators: keep the ids,
# translate the text after "=". Files: en, km, id, vi, ja.

## Themes of recommendations
theme-access-to-information = Access to information
theme-grievance-channels = Grievance channels
theme-legal-aid = Legal aid
theme-recruitment-fees = Recruitment fees
theme-cross-border-referral = Cross-border referral
theme-data-monitoring = Data and monitoring
theme-capacity-building = Capacity building

## Stakeholder groups (actors of recommendations, partner organisations)
group-government = Government
group-bar-association = Bar association
group-legal-expert = Legal expert
group-cso = Civil society organisation
group-recruitment-agency = Recruitment agency
group-recruitment-agency-association = Recruitment agency association
group-mrc = Migrant worker resource centre
group-japan-support-org = Japan-side support organisation
group-employer = Employer
group-union = Trade union

## Priorities
priority-high = High
priority-medium = Medium
priority-low = Low

## Statuses of recommendations
recommendation-status-proposed = Proposed
recommendation-status-endorsed-nationally = Endorsed nationally
recommendation-status-adopted = Adopted
recommendation-status-in-progress = In progress
recommendation-status-implemented = Implemented
recommendation-status-dropped = Dropped

## Stages of work-plan items
item-stage-draft = Draft
item-stage-proposed = Proposed
item-stage-objected = Objected
item-stage-agreed = Agreed
item-stage-in-progress = In progress
item-stage-done = Done
item-stage-dropped = Dropped

## Sex (cases; workshop participants)
sex-female = Female
sex-male = Male
sex-other = Other
sex-unknown = Unknown
sex-not-stated = Not stated

## Age bands
age-band-15-24 = 15 to 24
age-band-25-34 = 25 to 34
age-band-35-44 = 35 to 44
age-band-45-plus = 45 and over
age-band-unknown = Unknown

## Residence status in Japan
residence-status-titp = Technical intern (TITP)
residence-status-ssw-1 = Specified skilled worker (i)
residence-status-ssw-2 = Specified skilled worker (ii)
residence-status-engineer-specialist = Engineer / specialist in humanities
residence-status-student = Student
residence-status-irregular = Irregular status
residence-status-other = Other
residence-status-not-yet-departed = Not yet departed

## Sectors
sector-agriculture = Agriculture
sector-fishery = Fishery
sector-construction = Construction
sector-food-manufacturing = Food manufacturing
sector-food-service = Food service
sector-manufacturing = Manufacturing
sector-nursing-care = Nursing care
sector-building-cleaning = Building cleaning
sector-accommodation = Accommodation
sector-shipbuilding = Shipbuilding
sector-automobile-repair = Automobile repair
sector-other = Other

## Stage of migration
case-stage-pre-departure = Before departure
case-stage-in-employment = In employment
case-stage-return = After return

## Grievances
grievance-unpaid-wages = Unpaid wages
grievance-recruitment-fees-debt = Recruitment fees and debt
grievance-document-retention = Passport or documents retained
grievance-contract-deception = Deceptive contract
grievance-excessive-overtime = Excessive overtime
grievance-unsafe-work-injury = Unsafe work or injury
grievance-harassment-violence = Harassment or violence
grievance-restricted-movement = Restricted movement
grievance-forced-return-dismissal = Forced return or dismissal
grievance-pregnancy-discrimination = Pregnancy discrimination
grievance-social-insurance = Social insurance
grievance-housing = Housing
grievance-other = Other

## Channels where cases are lodged
channel-mrc = Migrant worker resource centre
channel-embassy-labour-attache = Embassy labour attaché
channel-otit = OTIT (Organization for Technical Intern Training)
channel-labour-inspection = Labour inspection
channel-legal-aid = Legal aid
channel-union-cso = Trade union or CSO
channel-jp-mirai = JP-MIRAI
channel-recruitment-agency = Recruitment agency
channel-employer = Employer
channel-hotline = Hotline

## Outcomes
outcome-pending = Pending
outcome-resolved-compensated = Resolved with compensation
outcome-resolved-non-monetary = Resolved without money
outcome-referred = Referred
outcome-withdrawn = Withdrawn
outcome-unresolved-closed = Closed unresolved
outcome-returned-without-remedy = Returned home without remedy

## Units of indicators
unit-count = count
unit-percentage = percent
unit-days = days
unit-currency = currency

## Tables of statistics releases, and the measures of the resolution table
table-grievance-outcome = Grievance mentions by outcome
table-channel-outcome = Cases by channel and outcome
table-sector-sex = Cases by sector and sex
table-status-grievance = Grievance mentions by residence status
table-resolution = Cases closed by channel
measure-closed = Cases closed
measure-median-days = Median days to close
measure-compensation-usd = Compensation (US dollars)
