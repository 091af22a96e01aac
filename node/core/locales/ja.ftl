# remedy-net labels: 日本語 (Japanese).
# REVIEW: machine-assisted draft; to be reviewed by a native speaker before use
# in reports. Keep the ids; translate the text after "=".

## Themes
theme-access-to-information = 情報へのアクセス
theme-grievance-channels = 苦情申立ての窓口
theme-legal-aid = 法律扶助
theme-recruitment-fees = 募集・斡旋手数料
theme-cross-border-referral = 国境を越えた案件の引継ぎ
theme-data-monitoring = データとモニタリング
theme-capacity-building = 能力強化

## Stakeholder groups
group-government = 政府
group-bar-association = 弁護士会
group-legal-expert = 法律専門家
group-cso = 市民社会組織
group-recruitment-agency = 送出・仲介機関
group-recruitment-agency-association = 送出機関の団体
group-mrc = 移住労働者リソースセンター
group-japan-support-org = 日本側の支援団体
group-employer = 雇用主
group-union = 労働組合

## Priorities
priority-high = 高
priority-medium = 中
priority-low = 低

## Statuses of recommendations
recommendation-status-proposed = 提案
recommendation-status-endorsed-nationally = 国内で承認
recommendation-status-adopted = 採択
recommendation-status-in-progress = 実施中
recommendation-status-implemented = 実施済み
recommendation-status-dropped = 取り下げ

## Stages of work-plan items
item-stage-draft = 草案
item-stage-proposed = 提案
item-stage-objected = 異議あり
item-stage-agreed = 合意
item-stage-in-progress = 実施中
item-stage-done = 完了
item-stage-dropped = 取り下げ

## Sex
sex-female = 女性
sex-male = 男性
sex-other = その他
sex-unknown = 不明
sex-not-stated = 無回答

## Age bands
age-band-15-24 = 15〜24歳
age-band-25-34 = 25〜34歳
age-band-35-44 = 35〜44歳
age-band-45-plus = 45歳以上
age-band-unknown = 不明

## Residence status in Japan
residence-status-titp = 技能実習
residence-status-ssw-1 = 特定技能1号
residence-status-ssw-2 = 特定技能2号
residence-status-engineer-specialist = 技術・人文知識・国際業務
residence-status-student = 留学
residence-status-irregular = 非正規滞在
residence-status-other = その他
residence-status-not-yet-departed = 出国前

## Sectors
sector-agriculture = 農業
sector-fishery = 漁業
sector-construction = 建設
sector-food-manufacturing = 飲食料品製造
sector-food-service = 外食
sector-manufacturing = 製造業
sector-nursing-care = 介護
sector-building-cleaning = ビルクリーニング
sector-accommodation = 宿泊
sector-shipbuilding = 造船
sector-automobile-repair = 自動車整備
sector-other = その他

## Stage of migration
case-stage-pre-departure = 出国前
case-stage-in-employment = 就労中
case-stage-return = 帰国後

## Grievances
grievance-unpaid-wages = 賃金未払い
grievance-recruitment-fees-debt = 手数料・借金
grievance-document-retention = 旅券・書類の取り上げ
grievance-contract-deception = 契約内容の偽り
grievance-excessive-overtime = 過重な残業
grievance-unsafe-work-injury = 危険な作業・労働災害
grievance-harassment-violence = ハラスメント・暴力
grievance-restricted-movement = 移動の制限
grievance-forced-return-dismissal = 強制帰国・解雇
grievance-pregnancy-discrimination = 妊娠を理由とする差別
grievance-social-insurance = 社会保険
grievance-housing = 住居
grievance-other = その他

## Channels
channel-mrc = 移住労働者リソースセンター
channel-embassy-labour-attache = 大使館の労働担当官
channel-otit = 外国人技能実習機構（OTIT）
channel-labour-inspection = 労働基準監督署
channel-legal-aid = 法律扶助
channel-union-cso = 労働組合・市民団体
channel-jp-mirai = JP-MIRAI
channel-recruitment-agency = 送出・仲介機関
channel-employer = 雇用主
channel-hotline = ホットライン

## Outcomes
outcome-pending = 対応中
outcome-resolved-compensated = 解決（金銭補償あり）
outcome-resolved-non-monetary = 解決（金銭以外）
outcome-referred = 他機関へ引継ぎ
outcome-withdrawn = 取り下げ
outcome-unresolved-closed = 未解決のまま終了
outcome-returned-without-remedy = 救済なく帰国

## Units
unit-count = 件数
unit-percentage = パーセント
unit-days = 日数
unit-currency = 金額

## Tables of statistics releases, and the measures of the resolution table
table-grievance-outcome = 結果別の苦情件数（延べ）
table-channel-outcome = 窓口・結果別の事案数
table-sector-sex = 分野・性別の事案数
table-status-grievance = 在留資格別の苦情件数（延べ）
table-resolution = 窓口別の終結事案
measure-closed = 終結事案数
measure-median-days = 終結までの日数（中央値）
measure-compensation-usd = 補償額（米ドル）
