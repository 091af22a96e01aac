# remedy-net labels: Tiếng Việt (Vietnamese).
# REVIEW: machine-assisted draft; to be reviewed by a native speaker before use
# in reports. Keep the ids; translate the text after "=".

## Themes
theme-access-to-information = Tiếp cận thông tin
theme-grievance-channels = Kênh khiếu nại
theme-legal-aid = Trợ giúp pháp lý
theme-recruitment-fees = Phí tuyển dụng
theme-cross-border-referral = Chuyển tuyến xuyên biên giới
theme-data-monitoring = Dữ liệu và giám sát
theme-capacity-building = Nâng cao năng lực

## Stakeholder groups
group-government = Chính phủ
group-bar-association = Đoàn luật sư
group-legal-expert = Chuyên gia pháp lý
group-cso = Tổ chức xã hội dân sự
group-recruitment-agency = Doanh nghiệp dịch vụ đưa người lao động đi làm việc
group-recruitment-agency-association = Hiệp hội doanh nghiệp xuất khẩu lao động
group-mrc = Trung tâm hỗ trợ lao động di cư
group-japan-support-org = Tổ chức hỗ trợ phía Nhật Bản
group-employer = Người sử dụng lao động
group-union = Công đoàn

## Priorities
priority-high = Cao
priority-medium = Trung bình
priority-low = Thấp

## Statuses of recommendations
recommendation-status-proposed = Đề xuất
recommendation-status-endorsed-nationally = Được thông qua ở cấp quốc gia
recommendation-status-adopted = Được chấp thuận
recommendation-status-in-progress = Đang thực hiện
recommendation-status-implemented = Đã thực hiện
recommendation-status-dropped = Đã hủy

## Stages of work-plan items
item-stage-draft = Dự thảo
item-stage-proposed = Đề xuất
item-stage-objected = Có phản đối
item-stage-agreed = Đã thống nhất
item-stage-in-progress = Đang thực hiện
item-stage-done = Hoàn thành
item-stage-dropped = Đã hủy

## Sex
sex-female = Nữ
sex-male = Nam
sex-other = Khác
sex-unknown = Không rõ
sex-not-stated = Không trả lời

## Age bands
age-band-15-24 = 15–24 tuổi
age-band-25-34 = 25–34 tuổi
age-band-35-44 = 35–44 tuổi
age-band-45-plus = Từ 45 tuổi
age-band-unknown = Không rõ

## Residence status in Japan
residence-status-titp = Thực tập sinh kỹ năng (TITP)
residence-status-ssw-1 = Kỹ năng đặc định loại 1
residence-status-ssw-2 = Kỹ năng đặc định loại 2
residence-status-engineer-specialist = Kỹ sư / chuyên gia nhân văn
residence-status-student = Du học sinh
residence-status-irregular = Cư trú bất hợp pháp
residence-status-other = Khác
residence-status-not-yet-departed = Chưa xuất cảnh

## Sectors
sector-agriculture = Nông nghiệp
sector-fishery = Ngư nghiệp
sector-construction = Xây dựng
sector-food-manufacturing = Chế biến thực phẩm
sector-food-service = Dịch vụ ăn uống
sector-manufacturing = Sản xuất
sector-nursing-care = Điều dưỡng
sector-building-cleaning = Vệ sinh tòa nhà
sector-accommodation = Lưu trú
sector-shipbuilding = Đóng tàu
sector-automobile-repair = Sửa chữa ô tô
sector-other = Khác

## Stage of migration
case-stage-pre-departure = Trước khi xuất cảnh
case-stage-in-employment = Trong thời gian làm việc
case-stage-return = Sau khi về nước

## Grievances
grievance-unpaid-wages = Không được trả lương
grievance-recruitment-fees-debt = Phí tuyển dụng và nợ
grievance-document-retention = Bị giữ hộ chiếu hoặc giấy tờ
grievance-contract-deception = Hợp đồng lừa dối
grievance-excessive-overtime = Làm thêm giờ quá mức
grievance-unsafe-work-injury = Công việc không an toàn hoặc tai nạn lao động
grievance-harassment-violence = Quấy rối hoặc bạo lực
grievance-restricted-movement = Bị hạn chế đi lại
grievance-forced-return-dismissal = Bị ép về nước hoặc sa thải
grievance-pregnancy-discrimination = Phân biệt đối xử vì mang thai
grievance-social-insurance = Bảo hiểm xã hội
grievance-housing = Nhà ở
grievance-other = Khác

## Channels
channel-mrc = Trung tâm hỗ trợ lao động di cư
channel-embassy-labour-attache = Tùy viên lao động Đại sứ quán
channel-otit = OTIT (Cơ quan thực tập kỹ năng)
channel-labour-inspection = Thanh tra lao động
channel-legal-aid = Trợ giúp pháp lý
channel-union-cso = Công đoàn hoặc tổ chức xã hội
channel-jp-mirai = JP-MIRAI
channel-recruitment-agency = Doanh nghiệp phái cử
channel-employer = Người sử dụng lao động
channel-hotline = Đường dây nóng

## Outcomes
outcome-pending = Đang xử lý
outcome-resolved-compensated = Đã giải quyết, có bồi thường
outcome-resolved-non-monetary = Đã giải quyết, không bằng tiền
outcome-referred = Đã chuyển tuyến
outcome-withdrawn = Đã rút
outcome-unresolved-closed = Đóng hồ sơ, chưa giải quyết
outcome-returned-without-remedy = Về nước mà không được khắc phục

## Units
unit-count = số lượng
unit-percentage = phần trăm
unit-days = ngày
unit-currency = tiền

## Tables of statistics releases, and the measures of the resolution table
table-grievance-outcome = Số lần nêu khiếu nại theo kết quả
table-channel-outcome = Vụ việc theo kênh và kết quả
table-sector-sex = Vụ việc theo ngành và giới tính
table-status-grievance = Số lần nêu khiếu nại theo tư cách lưu trú
table-resolution = Vụ việc đã đóng theo kênh
measure-closed = Vụ việc đã đóng
measure-median-days = Trung vị số ngày đến khi đóng
measure-compensation-usd = Tiền bồi thường (đô la Mỹ)
