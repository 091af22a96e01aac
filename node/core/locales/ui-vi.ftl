# remedy-net dashboard (and reports): Tiếng Việt (Vietnamese).
# REVIEW: machine-assisted draft; to be reviewed by a native speaker before use.
# Keep the ids and the { $placeables }; translate the text after "=".

## Frame: title, navigation, language switch, footer
ui-title = Bảng điều khiển remedy-net
ui-nav-overview = Tổng quan khu vực
ui-nav-recommendations = Khuyến nghị
ui-nav-workplan = Kế hoạch công tác
ui-nav-workshops = Hội thảo
ui-nav-pilots = Thí điểm
ui-nav-partners = Đối tác
ui-nav-network = Mạng lưới
ui-sign-out = Đăng xuất
ui-loading = Đang tải…
ui-language = Ngôn ngữ
ui-footer = Chế độ chỉ xem bản sao dữ liệu bằng chứng khu vực do nút này lưu giữ.
ui-footer-suppressed = là số liệu được giữ kín theo quy tắc kiểm soát công bố thông tin thống kê, không bao giờ hiển thị thành số 0;
ui-footer-lower-bound = đánh dấu tổng của khu vực có bao gồm các phần bị ẩn (một cận dưới);
ui-footer-noised = đánh dấu ước lượng theo phương pháp quyền riêng tư vi phân, không chệch, kèm ± sai số chuẩn (có thể âm khi nhiễu lớn hơn một số đếm nhỏ).
ui-fallback = { $count } đoạn văn bản trên trang này chưa được dịch sang tiếng Việt nên được hiển thị bằng tiếng Anh.
ui-error = Không thể tải trang này: { $message }
ui-download-json = Tải xuống dạng JSON
ui-as-csv = dạng CSV:
ui-translated-by = do { $by } dịch
ui-original = bản gốc
ui-not-received = nút này chưa nhận được
ui-none = không có
ui-yes = có
ui-no = không

## Sign-in pages written by the node
ui-signin-needed = Bảng điều khiển này dành cho các điều phối viên, kiểm toán viên và tổ chức đối tác của mạng lưới.
ui-signin-link = Vui lòng đăng nhập bằng liên kết dùng một lần:
ui-signin-refused = Đăng nhập bị từ chối: { $reason }.
ui-signin-new-link = Lấy liên kết mới bằng cách:
ui-signed-out = Đã đăng xuất. Vui lòng đăng nhập lại bằng liên kết mới:

## Figures: how a withheld or estimated figure is shown
ui-figure-suppressed = bị ẩn
ui-figure-suppressed-title = được giữ kín theo quy tắc kiểm soát công bố thông tin thống kê
ui-figure-noised-title = ước lượng theo phương pháp quyền riêng tư vi phân: sai số chuẩn { $error } (phương sai { $variance }); khoảng 95% các ước lượng như vậy nằm trong phạm vi ±{ $range } so với số đếm thực
ui-chart-gaps = × đánh dấu quý có số liệu bị ẩn, không chính xác hoặc không có sẵn: đây là khoảng trống, không phải số 0.
ui-status-published = đã công bố
ui-status-suppressed = bị ẩn
ui-status-noised = ước lượng
ui-status-lower-bound = cận dưới
ui-status-noised-lower-bound = cận dưới ước lượng
ui-status-not-additive = không cộng gộp được
ui-status-not-released = chưa công bố
ui-status-no-cases = không có vụ việc
ui-status-missing = thiếu số liệu
ui-status-reported = đã báo cáo

## Regional overview
ui-overview-title = Tổng quan khu vực
ui-overview-none = Nút này chưa nhận được bản công bố số liệu thống kê nào.
ui-overview-intro = Các vụ việc được đăng ký trong hệ thống quốc gia của các thành viên, theo số liệu đã công bố. Còn thiếu trong kỳ này: { $missing }.
ui-region = toàn khu vực
ui-all-cases = tất cả vụ việc
ui-cases-by-outcome = Vụ việc theo kết quả, { $period }
ui-cases-once = Mỗi vụ việc chỉ được tính một lần (bảng: { $table }).
ui-mentions-by-grievance = Số lần nêu khiếu nại theo loại khiếu nại, { $period }
ui-mentions-note = Số lần nêu khiếu nại: một vụ việc được tính một lần cho mỗi loại khiếu nại mà vụ việc đó nêu, vì vậy tổng các số liệu này không bằng số vụ việc.
ui-no-table = Không có bảng "{ $table }" cho kỳ { $period }.
ui-member-revision = { $member } — bản sửa đổi { $revision }
ui-over-time = Diễn biến theo thời gian
ui-resolved-chart = Đã giải quyết (có hoặc không có bồi thường), % số vụ việc
ui-resolved-note = Số vụ việc đã giải quyết trên tổng số vụ việc được mở trong quý (mỗi vụ việc tính một lần); tỷ lệ của khu vực được tính từ tổng các số đếm, không bao giờ là bình quân tỷ lệ của các thành viên.
ui-median-chart = Trung vị số ngày đến khi đóng hồ sơ, kênh: { $channel }
ui-mentions-each-country = Số lần nêu khiếu nại theo kết quả, từng quốc gia, { $period }

## Recommendations
ui-recs-title = Khuyến nghị từ các hội thảo quốc gia ({ $count })
ui-by-country-status = Theo quốc gia và tình trạng
ui-by-country-theme = Theo quốc gia và chủ đề
ui-all-recs = Tất cả khuyến nghị

## Work plan
ui-plan-title = Kế hoạch công tác chung (số hạng mục: { $count })
ui-plan-none = Chưa có hạng mục nào trong kế hoạch công tác.
ui-back-to-plan = Quay lại kế hoạch công tác
ui-stage = Giai đoạn
ui-version-of = phiên bản { $version }/{ $current }
ui-agreed-at = đã thống nhất ở phiên bản { $version }
ui-not-agreed = chưa thống nhất
ui-opened-by = Do { $by } khởi tạo
ui-proposed-by = do { $by } đề xuất
ui-item-lead = chủ trì: { $lead }; thành viên: { $members }; thời hạn: { $due }.
ui-overdue = quá hạn
ui-at-risk = có nguy cơ chậm
ui-open = chưa đạt
ui-late = trễ hạn
ui-by-date = hạn { $date }
ui-endorsements = { $endorsed }/{ $needed } ý kiến tán thành cần có
ui-endorsements-objecting = { $endorsed }/{ $needed } ý kiến tán thành cần có, { $objected } ý kiến phản đối
ui-objective = Mục tiêu
ui-outputs = Đầu ra dự kiến
ui-activities = Hoạt động
ui-draws-on = Dựa trên các khuyến nghị
ui-pilots-testing = Các dự án thí điểm đang thử nghiệm những khuyến nghị này
ui-pilot-span = { $title }, từ { $start } đến { $end }
ui-none-reported = chưa có báo cáo
ui-positions = Ý kiến của các thành viên
ui-version-tally = Phiên bản { $version }: { $tally }.
ui-agreed-tally = Phiên bản đã thống nhất { $version }: { $tally }.
ui-endorsed = tán thành
ui-objected = phản đối
ui-pending = chưa có ý kiến
ui-event-version = { $id } (phiên bản { $version })
ui-advisory = Ý kiến tư vấn của các tổ chức đối tác
ui-advisory-note = Được hiển thị bên cạnh ý kiến của các thành viên; không bao giờ được tính vào việc thống nhất.
ui-endorses = tán thành
ui-objects = phản đối
ui-version-matrix = Ý kiến tán thành và phản đối theo từng phiên bản
ui-version-matrix-note = Ý kiến cuối cùng của mỗi thành viên về từng phiên bản; sửa đổi thực chất làm mới lại các ý kiến được tính, sửa đổi biên tập thì giữ nguyên.
ui-change-opened = khởi tạo
ui-change-material = sửa đổi thực chất
ui-change-editorial = sửa đổi biên tập
ui-change-material-contested = sửa đổi thực chất (còn tranh chấp)
ui-awaited = Đang chờ
ui-objections = Ý kiến phản đối và trả lời
ui-objection = { $member } về phiên bản { $version } ({ $id }):
ui-answered = { $by } đã trả lời ({ $id }):
ui-not-answered = chưa được trả lời
ui-milestones = Các mốc
ui-indicators = Chỉ số
ui-indicator-note = Giá trị cơ sở { $baseline } ({ $baseline_date }), giá trị mục tiêu { $target } ({ $target_date }); { $source }
ui-indicator-series = tính từ các bản công bố của { $members }, { $table }, { $row } × { $column }
ui-indicator-reported = giá trị được báo cáo
ui-every-member = tất cả thành viên
ui-of-the-way = tiến độ đạt { $percent }%
ui-timeline = Diễn biến
ui-versions = Các phiên bản

## Pilots
ui-pilots-title = Dự án thí điểm ({ $count })
ui-pilots-none = Chưa có dự án thí điểm nào được đăng ký.
ui-pilot-run = { $country }, từ { $start } đến { $end }; do { $by } thực hiện
ui-pilot-tests = thử nghiệm
ui-pilot-items = các hạng mục kế hoạch công tác dựa trên các khuyến nghị này:
ui-none-yet = chưa có
ui-not-counted = không được tính: { $reason }
ui-no-progress = Chưa có báo cáo tiến độ.
ui-older-reports = Các báo cáo thí điểm trước đây (số nguyên, không có đơn vị hay giá trị mục tiêu)

## Partners
ui-partners-title = Tổ chức đối tác ({ $count })
ui-partners-note = Do từng thành viên đăng ký trong nhật ký dùng chung của mình. Đối tác tự ký các tuyên bố của mình; ý kiến của đối tác về các hạng mục kế hoạch công tác chỉ mang tính tư vấn và không bao giờ được tính vào việc thống nhất.
ui-partners-none = Chưa có đối tác nào được đăng ký.

## Workshops
ui-workshops-title = Hội thảo tham vấn quốc gia ({ $count })
ui-workshops-note = Người tham dự chỉ được thể hiện bằng số lượng, không bao giờ ghi tên. Số lượng dưới { $threshold } (ngưỡng công bố của mạng lưới) bị ẩn, đồng thời ẩn thêm một số lượng thứ hai nếu từ tổng số có thể suy ra số bị ẩn; tổng của một quốc gia có chứa số bị ẩn là một cận dưới (≥).
ui-workshops-none = Chưa có hội thảo nào được ghi nhận.
ui-workshops-member = { $member }: số hội thảo { $workshops }, số người tham dự { $participants }, số khuyến nghị được xác nhận { $validated }
ui-agenda-summary = chương trình và tóm tắt

## Network
ui-network-title = Mạng lưới theo góc nhìn của { $node } (bản kê khai phiên bản { $version })
ui-last-audit = Lần kiểm toán gần nhất:
ui-audit-by = do { $auditor } thực hiện, { $time }
ui-no-audit = chưa có bản ghi nào tại nút này
ui-members = Thành viên
ui-logs-held = Nhật ký đang lưu giữ
ui-peers = Nút ngang hàng
ui-forks = Phân nhánh và ký mâu thuẫn
ui-fork = { $origin } đã ký hai sự kiện cùng số { $seq } (nhận từ { $peer })
ui-equivocation = ký mâu thuẫn:
ui-rejected = Sự kiện bị từ chối

## Column headings of tables
ui-col-activity = hoạt động
ui-col-all = tất cả
ui-col-awaited = đang chờ
ui-col-baseline = giá trị cơ sở
ui-col-best-known = cao nhất đã biết
ui-col-by = bên thực hiện
ui-col-by-group = theo nhóm bên liên quan
ui-col-by-sex = theo giới tính
ui-col-change = loại thay đổi
ui-col-channel = kênh
ui-col-count = số lượng
ui-col-country = quốc gia
ui-col-date = ngày
ui-col-due = thời hạn
ui-col-endorsements = tán thành
ui-col-endpoint = điểm kết nối
ui-col-event = sự kiện
ui-col-events = số sự kiện
ui-col-from = từ
ui-col-grievance = khiếu nại
ui-col-grievance-outcome = khiếu nại \ kết quả
ui-col-group = nhóm bên liên quan
ui-col-halted = đã dừng
ui-col-id = mã
ui-col-indicator = chỉ số
ui-col-item = hạng mục
ui-col-items-drawing = hạng mục dựa trên các khuyến nghị này
ui-col-lag = độ trễ
ui-col-languages = ngôn ngữ
ui-col-last = lần cuối
ui-col-last-error = lỗi gần nhất
ui-col-latest = giá trị mới nhất
ui-col-lead = chủ trì
ui-col-lessons = bài học kinh nghiệm
ui-col-member = thành viên
ui-col-milestone = mốc
ui-col-name = tên
ui-col-note = ghi chú hoặc lý do
ui-col-organiser = đơn vị tổ chức
ui-col-origin = nguồn
ui-col-outcome = kết quả
ui-col-participants = người tham dự
ui-col-partner = đối tác
ui-col-peer = nút ngang hàng
ui-col-period = kỳ
ui-col-pilot = thí điểm
ui-col-place = địa điểm
ui-col-position = ý kiến
ui-col-position-on = ý kiến về phiên bản { $version }
ui-col-priority = mức ưu tiên
ui-col-problems = khó khăn gặp phải
ui-col-progress = tiến độ
ui-col-reached = đã đạt
ui-col-reason = lý do
ui-col-registered-at = đăng ký tại
ui-col-report = báo cáo
ui-col-responsible = đơn vị chịu trách nhiệm
ui-col-retired-at = ngừng tại
ui-col-role = vai trò
ui-col-stage = giai đoạn
ui-col-state = trạng thái
ui-col-status = tình trạng
ui-col-submitted-by = đơn vị đệ trình
ui-col-target = giá trị mục tiêu
ui-col-tests = khuyến nghị được thử nghiệm
ui-col-text = nội dung
ui-col-theme = chủ đề
ui-col-title = tiêu đề
ui-col-to = đến
ui-col-unit = đơn vị
ui-col-validated = khuyến nghị được xác nhận
ui-col-validated-at = xác nhận tại
ui-col-values = giá trị
ui-col-version = phiên bản
ui-col-what = hành động
ui-col-workshop = hội thảo
