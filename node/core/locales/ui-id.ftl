# remedy-net dashboard (and reports): Bahasa Indonesia (Indonesian).
# REVIEW: machine-assisted draft; to be reviewed by a native speaker before use.
# Keep the ids and the { $placeables }; translate the text after "=".

## Frame: title, navigation, language switch, footer
ui-title = Dasbor remedy-net
ui-nav-overview = Ikhtisar regional
ui-nav-recommendations = Rekomendasi
ui-nav-workplan = Rencana kerja
ui-nav-workshops = Lokakarya
ui-nav-pilots = Proyek percontohan
ui-nav-partners = Mitra
ui-nav-network = Jaringan
ui-sign-out = Keluar
ui-loading = Memuat…
ui-language = Bahasa
ui-footer = Tampilan baca-saja atas salinan bukti regional yang disimpan oleh node ini.
ui-footer-suppressed = berarti angka ditahan oleh pengendalian pengungkapan statistik dan tidak pernah ditampilkan sebagai nol;
ui-footer-lower-bound = menandai jumlah regional yang mencakup bagian yang dirahasiakan (batas bawah);
ui-footer-noised = menandai estimasi dengan privasi diferensial yang tidak bias, disertai ± galat bakunya (dapat bernilai negatif bila derau melebihi jumlah yang kecil).
ui-fallback = { $count } teks di halaman ini belum diterjemahkan ke dalam bahasa ini dan ditampilkan dalam bahasa Inggris.
ui-error = Halaman ini tidak dapat dimuat: { $message }
ui-download-json = Unduh sebagai JSON
ui-as-csv = sebagai CSV:
ui-translated-by = diterjemahkan oleh { $by }
ui-original = asli
ui-not-received = belum diterima oleh node ini
ui-none = tidak ada
ui-yes = ya
ui-no = tidak

## Sign-in pages written by the node
ui-signin-needed = Dasbor ini diperuntukkan bagi koordinator, auditor, dan organisasi mitra federasi.
ui-signin-link = Masuk dengan tautan sekali pakai:
ui-signin-refused = Permintaan masuk ditolak: { $reason }.
ui-signin-new-link = Dapatkan tautan baru dengan:
ui-signed-out = Anda telah keluar. Masuk kembali dengan tautan baru:

## Figures: how a withheld or estimated figure is shown
ui-figure-suppressed = dirahasiakan
ui-figure-suppressed-title = ditahan oleh pengendalian pengungkapan statistik
ui-figure-noised-title = estimasi dengan privasi diferensial: galat baku { $error } (varians { $variance }); sekitar 95% estimasi semacam ini berada dalam rentang ±{ $range } dari jumlah sebenarnya
ui-chart-gaps = × menandai triwulan yang angkanya dirahasiakan, tidak eksak, atau tidak tersedia: celah, bukan nol.
ui-status-published = dipublikasikan
ui-status-suppressed = dirahasiakan
ui-status-noised = estimasi
ui-status-lower-bound = batas bawah
ui-status-noised-lower-bound = estimasi batas bawah
ui-status-not-additive = jumlahnya tidak sesuai
ui-status-not-released = tidak dirilis
ui-status-no-cases = tidak ada kasus
ui-status-missing = tidak ada data
ui-status-reported = dilaporkan

## Regional overview
ui-overview-title = Ikhtisar regional
ui-overview-none = Belum ada rilis statistik yang sampai ke node ini.
ui-overview-intro = Kasus yang dicatat oleh sistem nasional para anggota, sebagaimana dirilis. Belum tersedia untuk periode ini: { $missing }.
ui-region = kawasan
ui-all-cases = semua kasus
ui-cases-by-outcome = Kasus menurut hasil, { $period }
ui-cases-once = Setiap kasus dihitung satu kali (tabel: { $table }).
ui-mentions-by-grievance = Penyebutan keluhan menurut jenis keluhan, { $period }
ui-mentions-note = Penyebutan keluhan: satu kasus dihitung satu kali untuk setiap keluhan yang disebutkannya, sehingga angka-angka ini tidak dapat dijumlahkan menjadi jumlah kasus.
ui-no-table = Tabel "{ $table }" tidak tersedia untuk { $period }.
ui-member-revision = { $member } — revisi { $revision }
ui-over-time = Dari waktu ke waktu
ui-resolved-chart = Selesai (dengan atau tanpa kompensasi), % dari kasus
ui-resolved-note = Kasus yang selesai dibagi seluruh kasus yang dibuka dalam triwulan tersebut (setiap kasus satu kali); angka kawasan dihitung dari jumlah gabungan, tidak pernah dari rata-rata angka para anggota.
ui-median-chart = Median hari hingga ditutup, saluran: { $channel }
ui-mentions-each-country = Penyebutan keluhan menurut hasil, per negara, { $period }

## Recommendations
ui-recs-title = Rekomendasi dari lokakarya nasional ({ $count })
ui-by-country-status = Menurut negara dan status
ui-by-country-theme = Menurut negara dan tema
ui-all-recs = Semua rekomendasi

## Work plan
ui-plan-title = Rencana kerja bersama (butir: { $count })
ui-plan-none = Belum ada butir rencana kerja.
ui-back-to-plan = rencana kerja
ui-stage = Tahap
ui-version-of = versi { $version } dari { $current }
ui-agreed-at = disepakati pada versi { $version }
ui-not-agreed = belum disepakati
ui-opened-by = Dibuka oleh { $by }
ui-proposed-by = diusulkan oleh { $by }
ui-item-lead = penanggung jawab utama { $lead }; anggota { $members }; tenggat { $due }.
ui-overdue = melewati tenggat
ui-at-risk = berisiko
ui-open = belum tercapai
ui-late = terlambat
ui-by-date = paling lambat { $date }
ui-endorsements = { $endorsed } dari { $needed } yang diperlukan
ui-endorsements-objecting = { $endorsed } dari { $needed } yang diperlukan, { $objected } berkeberatan
ui-objective = Tujuan
ui-outputs = Keluaran yang diharapkan
ui-activities = Kegiatan
ui-draws-on = Mengacu pada
ui-pilots-testing = Proyek percontohan yang menguji rekomendasi ini
ui-pilot-span = { $title }, { $start } hingga { $end }
ui-none-reported = tidak ada yang dilaporkan
ui-positions = Sikap
ui-version-tally = Versi { $version }: { $tally }.
ui-agreed-tally = Versi yang disepakati { $version }: { $tally }.
ui-endorsed = mengesahkan
ui-objected = berkeberatan
ui-pending = menunggu
ui-event-version = { $id } (versi { $version })
ui-advisory = Sikap konsultatif organisasi mitra
ui-advisory-note = Ditampilkan di samping sikap para anggota; tidak pernah dihitung dalam kesepakatan.
ui-endorses = mengesahkan
ui-objects = berkeberatan
ui-version-matrix = Pengesahan dan keberatan per versi
ui-version-matrix-note = Sikap terakhir setiap anggota atas setiap versi; perubahan substansial mengatur ulang apa yang dihitung, perubahan redaksional mempertahankannya.
ui-change-opened = dibuka
ui-change-material = substansial
ui-change-editorial = redaksional
ui-change-material-contested = substansial (dipersoalkan)
ui-awaited = Masih ditunggu
ui-objections = Keberatan dan tanggapan
ui-objection = { $member } atas versi { $version } ({ $id }):
ui-answered = { $by } menanggapi ({ $id }):
ui-not-answered = belum ditanggapi
ui-milestones = Tonggak capaian
ui-indicators = Indikator
ui-indicator-note = Nilai dasar { $baseline } ({ $baseline_date }), target { $target } ({ $target_date }); { $source }
ui-indicator-series = dihitung dari rilis { $members }, { $table }, { $row } × { $column }
ui-indicator-reported = nilai yang dilaporkan
ui-every-member = semua anggota
ui-of-the-way = { $percent }% menuju target
ui-timeline = Lini masa
ui-versions = Versi

## Pilots
ui-pilots-title = Proyek percontohan ({ $count })
ui-pilots-none = Belum ada proyek percontohan yang terdaftar.
ui-pilot-run = { $country }, { $start } hingga { $end }; dilaksanakan oleh { $by }
ui-pilot-tests = menguji
ui-pilot-items = butir rencana kerja yang mengacu padanya:
ui-none-yet = belum ada
ui-not-counted = tidak dihitung: { $reason }
ui-no-progress = Belum ada kemajuan yang dilaporkan.
ui-older-reports = Laporan proyek percontohan yang lebih lama (bilangan bulat, tanpa satuan atau target)

## Partners
ui-partners-title = Organisasi mitra ({ $count })
ui-partners-note = Didaftarkan oleh setiap anggota dalam log bersamanya. Mitra menandatangani pernyataannya sendiri; sikapnya terhadap butir rencana kerja bersifat konsultatif dan tidak pernah dihitung dalam kesepakatan.
ui-partners-none = Belum ada mitra yang terdaftar.

## Workshops
ui-workshops-title = Lokakarya konsultasi nasional ({ $count })
ui-workshops-note = Peserta dicatat sebagai jumlah, tidak pernah sebagai nama. Jumlah di bawah { $threshold } (ambang pengungkapan federasi) dirahasiakan, beserta satu jumlah kedua bila totalnya dapat mengungkap kembali angka tersebut; jumlah suatu negara yang mencakup angka yang dirahasiakan merupakan batas bawah (≥).
ui-workshops-none = Belum ada lokakarya yang dicatat.
ui-workshops-member = { $member }: lokakarya { $workshops }, peserta { $participants }, rekomendasi yang divalidasi { $validated }
ui-agenda-summary = agenda dan ringkasan

## Network
ui-network-title = Jaringan sebagaimana dilihat oleh { $node } (versi manifes { $version })
ui-last-audit = Audit terakhir:
ui-audit-by = oleh { $auditor }, { $time }
ui-no-audit = belum ada yang tercatat di node ini
ui-members = Anggota
ui-logs-held = Log yang disimpan
ui-peers = Node sejawat
ui-forks = Percabangan (fork) dan pernyataan ganda (equivocation)
ui-fork = { $origin } menandatangani dua peristiwa berbeda bernomor { $seq } (dari { $peer })
ui-equivocation = pernyataan ganda:
ui-rejected = Peristiwa yang ditolak

## Column headings of tables
ui-col-activity = kegiatan
ui-col-all = semua
ui-col-awaited = masih ditunggu
ui-col-baseline = nilai dasar
ui-col-best-known = terbaru yang diketahui
ui-col-by = oleh
ui-col-by-group = menurut kelompok pemangku kepentingan
ui-col-by-sex = menurut jenis kelamin
ui-col-change = perubahan
ui-col-channel = saluran
ui-col-count = jumlah
ui-col-country = negara
ui-col-date = tanggal
ui-col-due = tenggat
ui-col-endorsements = pengesahan
ui-col-endpoint = titik akhir
ui-col-event = peristiwa
ui-col-events = peristiwa
ui-col-from = dari
ui-col-grievance = keluhan
ui-col-grievance-outcome = keluhan \ hasil
ui-col-group = kelompok pemangku kepentingan
ui-col-halted = dihentikan
ui-col-id = ID
ui-col-indicator = indikator
ui-col-item = butir
ui-col-items-drawing = butir yang mengacu padanya
ui-col-lag = ketertinggalan
ui-col-languages = bahasa
ui-col-last = terakhir
ui-col-last-error = galat terakhir
ui-col-latest = terbaru
ui-col-lead = penanggung jawab utama
ui-col-lessons = pelajaran yang dipetik
ui-col-member = anggota
ui-col-milestone = tonggak capaian
ui-col-name = nama
ui-col-note = catatan atau alasan
ui-col-organiser = penyelenggara
ui-col-origin = asal
ui-col-outcome = hasil
ui-col-participants = peserta
ui-col-partner = mitra
ui-col-peer = node sejawat
ui-col-period = periode
ui-col-pilot = proyek percontohan
ui-col-place = tempat
ui-col-position = sikap
ui-col-position-on = sikap atas versi { $version }
ui-col-priority = prioritas
ui-col-problems = masalah yang dihadapi
ui-col-progress = capaian
ui-col-reached = tercapai
ui-col-reason = alasan
ui-col-registered-at = terdaftar pada
ui-col-report = laporan
ui-col-responsible = penanggung jawab
ui-col-retired-at = dinonaktifkan pada
ui-col-role = peran
ui-col-stage = tahap
ui-col-state = keadaan
ui-col-status = status
ui-col-submitted-by = diajukan oleh
ui-col-target = target
ui-col-tests = rekomendasi yang diuji
ui-col-text = teks
ui-col-theme = tema
ui-col-title = judul
ui-col-to = hingga
ui-col-unit = satuan
ui-col-validated = divalidasi
ui-col-validated-at = divalidasi pada
ui-col-values = nilai
ui-col-version = versi
ui-col-what = tindakan
ui-col-workshop = lokakarya
