module github.com/siotest/siotest

go 1.26.8
