// A passive-mode FTP download in Go (CGO_ENABLED=0: a static binary that calls no
// C library): what the kernel backend reaches and LD_PRELOAD does not.
//
//	go_ftp_client HOST FILE OUT   anonymous login, TYPE I, PASV, RETR FILE into OUT
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go_ftp_client: "+format+"\n", args...)
	os.Exit(2)
}

// reply reads one (possibly multi-line) reply and returns its code and last line.
func reply(r *bufio.Reader) (int, string) {
	line, err := r.ReadString('\n')
	if err != nil {
		fail("control connection: %v", err)
	}
	code, _ := strconv.Atoi(line[:3])
	if len(line) > 3 && line[3] == '-' {
		for {
			next, err := r.ReadString('\n')
			if err != nil {
				fail("control connection: %v", err)
			}
			if strings.HasPrefix(next, line[:3]+" ") {
				return code, next
			}
		}
	}
	return code, line
}

func main() {
	if len(os.Args) != 4 {
		fail("usage: go_ftp_client HOST FILE OUT")
	}
	host, file, out := os.Args[1], os.Args[2], os.Args[3]
	control, err := net.DialTimeout("tcp", net.JoinHostPort(host, "21"), 5*time.Second)
	if err != nil {
		fail("connect: %v", err)
	}
	control.SetDeadline(time.Now().Add(60 * time.Second))
	r := bufio.NewReader(control)
	command := func(text string, want int) string {
		if text != "" {
			fmt.Fprintf(control, "%s\r\n", text)
		}
		code, line := reply(r)
		if code != want {
			fail("%q: %s", text, strings.TrimSpace(line))
		}
		return line
	}
	command("", 220)
	fmt.Fprintf(control, "USER anonymous\r\n")
	if code, line := reply(r); code == 331 {
		command("PASS anonymous@", 230)
	} else if code != 230 {
		fail("USER: %s", strings.TrimSpace(line))
	}
	command("TYPE I", 200)
	pasv := command("PASV", 227)
	open, close := strings.Index(pasv, "("), strings.Index(pasv, ")")
	if open < 0 || close < open {
		fail("PASV reply: %s", pasv)
	}
	parts := strings.Split(pasv[open+1:close], ",")
	if len(parts) != 6 {
		fail("PASV reply: %s", pasv)
	}
	p1, _ := strconv.Atoi(parts[4])
	p2, _ := strconv.Atoi(parts[5])
	data, err := net.DialTimeout("tcp", net.JoinHostPort(strings.Join(parts[:4], "."), strconv.Itoa(p1*256+p2)), 5*time.Second)
	if err != nil {
		fail("data connection: %v", err)
	}
	command("RETR "+file, 150)
	f, err := os.Create(out)
	if err != nil {
		fail("%v", err)
	}
	data.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := io.Copy(f, data); err != nil {
		fail("download: %v", err)
	}
	data.Close()
	f.Close()
	command("", 226)
	fmt.Fprintf(control, "QUIT\r\n")
}
