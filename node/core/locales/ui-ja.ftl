# remedy-net dashboard (and reports): 日本語 (Japanese).
# REVIEW: machine-assisted draft; to be reviewed by a native speaker before use.
# Keep the ids and the { $placeables }; translate the text after "=".

## Frame: title, navigation, language switch, footer
ui-title = remedy-net ダッシュボード
ui-nav-overview = 地域概況
ui-nav-recommendations = 提言
ui-nav-workplan = 作業計画
ui-nav-workshops = ワークショップ
ui-nav-pilots = パイロット事業
ui-nav-partners = パートナー団体
ui-nav-network = ネットワーク
ui-sign-out = ログアウト
ui-loading = 読み込み中…
ui-language = 言語
ui-footer = 本ノードが保持する地域エビデンスの写しの閲覧専用画面です。
ui-footer-suppressed = は、秘匿処理により非公表とされた数値を示します（ゼロとしては表示しません）。
ui-footer-lower-bound = は、秘匿された部分を含む地域合計（下限値）を示します。
ui-footer-noised = は、差分プライバシーによる推定値（不偏）を示し、± は標準誤差です（小さな件数ではノイズの影響で負の値となることがあります）。
ui-fallback = このページの { $count } 件の文言はまだ日本語に翻訳されていないため、英語で表示しています。
ui-error = このページを読み込めませんでした：{ $message }
ui-download-json = JSON 形式でダウンロード
ui-as-csv = CSV 形式の場合：
ui-translated-by = 翻訳：{ $by }
ui-original = 原文
ui-not-received = 本ノードに未着
ui-none = なし
ui-yes = はい
ui-no = いいえ

## Sign-in pages written by the node
ui-signin-needed = このダッシュボードは、連携ネットワークの調整担当者、監査担当者およびパートナー団体のためのものです。
ui-signin-link = ワンタイムリンクでログインしてください：
ui-signin-refused = ログインが拒否されました：{ $reason }。
ui-signin-new-link = 新しいリンクは次の方法で取得できます：
ui-signed-out = ログアウトしました。新しいリンクで再度ログインしてください：

## Figures: how a withheld or estimated figure is shown
ui-figure-suppressed = 秘匿
ui-figure-suppressed-title = 秘匿処理により非公表
ui-figure-noised-title = 差分プライバシーによる推定値：標準誤差 { $error }（分散 { $variance }）。この種の推定値の約95%は、真の件数の ±{ $range } の範囲内に収まります
ui-chart-gaps = × は、数値が秘匿、不正確または入手不可である四半期を示します（ゼロではなく欠測です）。
ui-status-published = 公表
ui-status-suppressed = 秘匿
ui-status-noised = 推定値
ui-status-lower-bound = 下限値
ui-status-noised-lower-bound = 推定下限値
ui-status-not-additive = 合算不可
ui-status-not-released = 未公表
ui-status-no-cases = 事案なし
ui-status-missing = 欠測
ui-status-reported = 報告値

## Regional overview
ui-overview-title = 地域概況
ui-overview-none = 本ノードにはまだ統計の公表データが届いていません。
ui-overview-intro = 各メンバーの国内システムに登録された事案（公表値）。この期間の未公表メンバー：{ $missing }。
ui-region = 地域全体
ui-all-cases = 全事案
ui-cases-by-outcome = 結果別の事案数（{ $period }）
ui-cases-once = 各事案は1回のみ計上（表：{ $table }）。
ui-mentions-by-grievance = 苦情の種類別の苦情件数（延べ）（{ $period }）
ui-mentions-note = 苦情件数（延べ）：1件の事案は、挙げられた苦情ごとに1回ずつ計上されるため、これらの数値の合計は事案数と一致しません。
ui-no-table = { $period } の表「{ $table }」はありません。
ui-member-revision = { $member } — 改訂 { $revision }
ui-over-time = 推移
ui-resolved-chart = 解決済み（補償の有無を問わない）、事案数に対する割合（%）
ui-resolved-note = 当該四半期に受け付けた全事案に対する解決済み事案の割合（各事案は1回のみ計上）。地域全体の率は合算した件数から算出しており、メンバーの率の平均ではありません。
ui-median-chart = 終結までの日数の中央値（窓口：{ $channel }）
ui-mentions-each-country = 結果別の苦情件数（延べ）、国別（{ $period }）

## Recommendations
ui-recs-title = 国内ワークショップからの提言（{ $count } 件）
ui-by-country-status = 国別・状況別
ui-by-country-theme = 国別・テーマ別
ui-all-recs = 全提言

## Work plan
ui-plan-title = 共同作業計画（項目数：{ $count }）
ui-plan-none = 作業計画の項目はまだありません。
ui-back-to-plan = 作業計画に戻る
ui-stage = 段階
ui-version-of = 第 { $version } 版（最新は第 { $current } 版）
ui-agreed-at = 第 { $version } 版で合意
ui-not-agreed = 未合意
ui-opened-by = 作成：{ $by }
ui-proposed-by = 提案：{ $by }
ui-item-lead = 主担当：{ $lead }、参加メンバー：{ $members }、期限：{ $due }。
ui-overdue = 期限超過
ui-at-risk = 遅延のおそれ
ui-open = 未達成
ui-late = 遅延
ui-by-date = 期限 { $date }
ui-endorsements = 承認 { $endorsed }（必要数 { $needed }）
ui-endorsements-objecting = 承認 { $endorsed }（必要数 { $needed }）、異議 { $objected }
ui-objective = 目的
ui-outputs = 期待される成果物
ui-activities = 活動
ui-draws-on = 根拠とする提言
ui-pilots-testing = これらの提言を検証するパイロット事業
ui-pilot-span = { $title }、{ $start }～{ $end }
ui-none-reported = 報告なし
ui-positions = 各メンバーの立場
ui-version-tally = 第 { $version } 版：{ $tally }。
ui-agreed-tally = 合意された第 { $version } 版：{ $tally }。
ui-endorsed = 承認
ui-objected = 異議
ui-pending = 未表明
ui-event-version = { $id }（第 { $version } 版）
ui-advisory = パートナー団体の助言的意見
ui-advisory-note = メンバーの立場と並べて表示しますが、合意の成立には一切算入されません。
ui-endorses = 承認
ui-objects = 異議
ui-version-matrix = 版ごとの承認と異議
ui-version-matrix-note = 各版に対する各メンバーの最終的な意思表示。実質的な修正が行われると算入される意思表示はリセットされ、字句修正の場合は維持されます。
ui-change-opened = 作成
ui-change-material = 実質的修正
ui-change-editorial = 字句修正
ui-change-material-contested = 実質的修正（異論あり）
ui-awaited = 対応待ち
ui-objections = 異議と回答
ui-objection = { $member }（第 { $version } 版に対して、{ $id }）：
ui-answered = { $by } の回答（{ $id }）：
ui-not-answered = 未回答
ui-milestones = マイルストーン
ui-indicators = 指標
ui-indicator-note = ベースライン { $baseline }（{ $baseline_date }）、目標値 { $target }（{ $target_date }）、{ $source }
ui-indicator-series = { $members } の公表データ、{ $table }、{ $row } × { $column } から算出
ui-indicator-reported = 報告値
ui-every-member = 全メンバー
ui-of-the-way = 進捗 { $percent }%
ui-timeline = 経緯
ui-versions = 版の履歴

## Pilots
ui-pilots-title = パイロット事業（{ $count } 件）
ui-pilots-none = 登録されたパイロット事業はまだありません。
ui-pilot-run = { $country }、{ $start }～{ $end }、実施主体：{ $by }
ui-pilot-tests = 検証対象の提言
ui-pilot-items = これらを根拠とする作業計画項目：
ui-none-yet = まだなし
ui-not-counted = 算入せず：{ $reason }
ui-no-progress = 進捗報告はまだありません。
ui-older-reports = 過去のパイロット事業報告（整数値、単位・目標値なし）

## Partners
ui-partners-title = パートナー団体（{ $count }）
ui-partners-note = 各メンバーが自らの共有ログに登録します。パートナー団体は自らの表明に自ら署名します。作業計画の項目に対するその立場は助言的なものであり、合意の成立には一切算入されません。
ui-partners-none = 登録されたパートナー団体はまだありません。

## Workshops
ui-workshops-title = 国内協議ワークショップ（{ $count } 件）
ui-workshops-note = 参加者は人数のみを記録し、氏名は記録しません。{ $threshold } 未満の人数（連携ネットワークの秘匿基準値）は秘匿し、合計から逆算できてしまう場合はもう1つの人数も秘匿します。秘匿された人数を含む国別の合計は下限値（≥）です。
ui-workshops-none = 記録されたワークショップはまだありません。
ui-workshops-member = { $member }：ワークショップ { $workshops }、参加者 { $participants }、検証済みの提言 { $validated }
ui-agenda-summary = 議題と概要

## Network
ui-network-title = { $node } から見たネットワーク（マニフェスト第 { $version } 版）
ui-last-audit = 直近の監査：
ui-audit-by = 実施者 { $auditor }、{ $time }
ui-no-audit = 本ノードには記録なし
ui-members = メンバー
ui-logs-held = 保持しているログ
ui-peers = ピア
ui-forks = フォークと二重署名
ui-fork = { $origin } が同一番号 { $seq } の2つのイベントに署名（{ $peer } から受信）
ui-equivocation = 二重署名：
ui-rejected = 拒否されたイベント

## Column headings of tables
ui-col-activity = 活動
ui-col-all = 全体
ui-col-awaited = 対応待ち
ui-col-baseline = ベースライン
ui-col-best-known = 既知の最大
ui-col-by = 実施者
ui-col-by-group = 関係者グループ別
ui-col-by-sex = 性別
ui-col-change = 変更の種別
ui-col-channel = 窓口
ui-col-count = 件数
ui-col-country = 国
ui-col-date = 日付
ui-col-due = 期限
ui-col-endorsements = 承認
ui-col-endpoint = エンドポイント
ui-col-event = イベント
ui-col-events = イベント数
ui-col-from = 開始
ui-col-grievance = 苦情
ui-col-grievance-outcome = 苦情 \ 結果
ui-col-group = 関係者グループ
ui-col-halted = 停止
ui-col-id = ID
ui-col-indicator = 指標
ui-col-item = 項目
ui-col-items-drawing = これらを根拠とする項目
ui-col-lag = 遅れ
ui-col-languages = 言語
ui-col-last = 最終
ui-col-last-error = 直近のエラー
ui-col-latest = 最新値
ui-col-lead = 主担当
ui-col-lessons = 教訓
ui-col-member = メンバー
ui-col-milestone = マイルストーン
ui-col-name = 名称
ui-col-note = 備考・理由
ui-col-organiser = 主催者
ui-col-origin = 発信元
ui-col-outcome = 結果
ui-col-participants = 参加者数
ui-col-partner = パートナー団体
ui-col-peer = ピア
ui-col-period = 期間
ui-col-pilot = パイロット事業
ui-col-place = 場所
ui-col-position = 立場
ui-col-position-on = 第 { $version } 版に対する立場
ui-col-priority = 優先度
ui-col-problems = 直面した課題
ui-col-progress = 進捗率
ui-col-reached = 達成
ui-col-reason = 理由
ui-col-registered-at = 登録時点
ui-col-report = 報告
ui-col-responsible = 担当
ui-col-retired-at = 登録終了時点
ui-col-role = 役割
ui-col-stage = 段階
ui-col-state = 状態
ui-col-status = 状況
ui-col-submitted-by = 提出者
ui-col-target = 目標値
ui-col-tests = 検証対象の提言
ui-col-text = 本文
ui-col-theme = テーマ
ui-col-title = 表題
ui-col-to = 終了
ui-col-unit = 単位
ui-col-validated = 検証済みの提言
ui-col-validated-at = 検証したワークショップ
ui-col-values = 値
ui-col-version = 版
ui-col-what = 内容
ui-col-workshop = ワークショップ
