# SPDX-License-Identifier: MIT
# bench-library.gp - the library throughput chart of docs/benchmarks.md
# gnuplot -e "dat='library.dat'; png='out.png'; machine='...'" bench-library.gp
# (run-all.sh does this; dat is written by report.py)
set terminal pngcairo size 1300,950 font "DejaVu Sans,10"
set output png
set datafile missing "NaN"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top right horizontal
set grid ytics
set xtics rotate by -30 scale 0
nz(x) = x > 0 ? x : NaN
set multiplot layout 2,1 title "DKIM library throughput, one thread (" . machine . ")"
set title "messages per second (log scale); limit = one key operation + SHA-256 of the message at openssl speed"
set logscale y
set yrange [5:*]
plot dat using (nz($2)):xtic(1) title "limit" lc rgb "#bbbbbb", \
     '' using (nz($3)) title "dkimmod" lc rgb "#1f77b4", \
     '' using (nz($4)) title "libopendkim" lc rgb "#ff7f0e", \
     '' using (nz($5)) title "dkimpy" lc rgb "#2ca02c", \
     '' using (nz($6)) title "Mail::DKIM (RSA only)" lc rgb "#d62728"
set title "fraction of the limit (%)"
unset logscale y
set yrange [0:100]
plot dat using (nz(100*$3/$2)):xtic(1) title "dkimmod" lc rgb "#1f77b4", \
     '' using (nz(100*$4/$2)) title "libopendkim" lc rgb "#ff7f0e", \
     '' using (nz(100*$5/$2)) title "dkimpy" lc rgb "#2ca02c", \
     '' using (nz(100*$6/$2)) title "Mail::DKIM (RSA only)" lc rgb "#d62728"
unset multiplot
