# remedy-net labels: Bahasa Indonesia.
# REVIEW: machine-assisted draft; to be reviewed by a native speaker before use
# in reports. Keep the ids; translate the text after "=".

## Themes
theme-access-to-information = Akses terhadap informasi
theme-grievance-channels = Saluran pengaduan
theme-legal-aid = Bantuan hukum
theme-recruitment-fees = Biaya penempatan
theme-cross-border-referral = Rujukan lintas negara
theme-data-monitoring = Data dan pemantauan
theme-capacity-building = Peningkatan kapasitas

## Stakeholder groups
group-government = Pemerintah
group-bar-association = Organisasi advokat
group-legal-expert = Ahli hukum
group-cso = Organisasi masyarakat sipil
group-recruitment-agency = Perusahaan penempatan
group-recruitment-agency-association = Asosiasi perusahaan penempatan
group-mrc = Pusat layanan pekerja migran (MRC)
group-japan-support-org = Organisasi pendukung di Jepang
group-employer = Pemberi kerja
group-union = Serikat pekerja

## Priorities
priority-high = Tinggi
priority-medium = Sedang
priority-low = Rendah

## Statuses of recommendations
recommendation-status-proposed = Diusulkan
recommendation-status-endorsed-nationally = Disahkan secara nasional
recommendation-status-adopted = Diadopsi
recommendation-status-in-progress = Sedang berjalan
recommendation-status-implemented = Terlaksana
recommendation-status-dropped = Dibatalkan

## Stages of work-plan items
item-stage-draft = Draf
item-stage-proposed = Diusulkan
item-stage-objected = Ada keberatan
item-stage-agreed = Disepakati
item-stage-in-progress = Sedang berjalan
item-stage-done = Selesai
item-stage-dropped = Dibatalkan

## Sex
sex-female = Perempuan
sex-male = Laki-laki
sex-other = Lainnya
sex-unknown = Tidak diketahui
sex-not-stated = Tidak menyebutkan

## Age bands
age-band-15-24 = 15–24 tahun
age-band-25-34 = 25–34 tahun
age-band-35-44 = 35–44 tahun
age-band-45-plus = 45 tahun ke atas
age-band-unknown = Tidak diketahui

## Residence status in Japan
residence-status-titp = Pemagang teknis (TITP)
residence-status-ssw-1 = Pekerja berketerampilan spesifik (i)
residence-status-ssw-2 = Pekerja berketerampilan spesifik (ii)
residence-status-engineer-specialist = Insinyur / spesialis humaniora
residence-status-student = Pelajar
residence-status-irregular = Status tidak reguler
residence-status-other = Lainnya
residence-status-not-yet-departed = Belum berangkat

## Sectors
sector-agriculture = Pertanian
sector-fishery = Perikanan
sector-construction = Konstruksi
sector-food-manufacturing = Industri makanan
sector-food-service = Jasa makanan
sector-manufacturing = Manufaktur
sector-nursing-care = Perawatan lansia
sector-building-cleaning = Kebersihan gedung
sector-accommodation = Perhotelan
sector-shipbuilding = Pembuatan kapal
sector-automobile-repair = Perbaikan mobil
sector-other = Lainnya

## Stage of migration
case-stage-pre-departure = Sebelum keberangkatan
case-stage-in-employment = Selama bekerja
case-stage-return = Setelah kepulangan

## Grievances
grievance-unpaid-wages = Upah tidak dibayar
grievance-recruitment-fees-debt = Biaya penempatan dan utang
grievance-document-retention = Paspor atau dokumen ditahan
grievance-contract-deception = Kontrak yang menipu
grievance-excessive-overtime = Lembur berlebihan
grievance-unsafe-work-injury = Pekerjaan tidak aman atau kecelakaan kerja
grievance-harassment-violence = Pelecehan atau kekerasan
grievance-restricted-movement = Pembatasan gerak
grievance-forced-return-dismissal = Pemulangan paksa atau pemecatan
grievance-pregnancy-discrimination = Diskriminasi karena kehamilan
grievance-social-insurance = Jaminan sosial
grievance-housing = Tempat tinggal
grievance-other = Lainnya

## Channels
channel-mrc = Pusat layanan pekerja migran (MRC)
channel-embassy-labour-attache = Atase ketenagakerjaan kedutaan
channel-otit = OTIT (Organisasi Pemagangan Teknis)
channel-labour-inspection = Pengawas ketenagakerjaan
channel-legal-aid = Bantuan hukum
channel-union-cso = Serikat pekerja atau OMS
channel-jp-mirai = JP-MIRAI
channel-recruitment-agency = Perusahaan penempatan
channel-employer = Pemberi kerja
channel-hotline = Layanan pengaduan telepon

## Outcomes
outcome-pending = Dalam proses
outcome-resolved-compensated = Selesai dengan kompensasi
outcome-resolved-non-monetary = Selesai tanpa uang
outcome-referred = Dirujuk
outcome-withdrawn = Dicabut
outcome-unresolved-closed = Ditutup tanpa penyelesaian
outcome-returned-without-remedy = Pulang tanpa pemulihan

## Units
unit-count = jumlah
unit-percentage = persen
unit-days = hari
unit-currency = mata uang

## Tables of statistics releases, and the measures of the resolution table
table-grievance-outcome = Penyebutan keluhan menurut hasil
table-channel-outcome = Kasus menurut saluran dan hasil
table-sector-sex = Kasus menurut sektor dan jenis kelamin
table-status-grievance = Penyebutan keluhan menurut status tinggal
table-resolution = Kasus yang ditutup menurut saluran
measure-closed = Kasus ditutup
measure-median-days = Median hari hingga ditutup
measure-compensation-usd = Kompensasi (dolar AS)
