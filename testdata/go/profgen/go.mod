module goscope.dev/profgen

go 1.22
