// A Go client for the kernel backend's tests: Go does not call the C library's
// connect(), so only the kernel can change its source address.
//
//	go_client tcp HOST:PORT   prints the server's answer (the address it saw)
//	go_client udp HOST:PORT
//	go_client lookup NAME     prints the first IPv4 address (Go's resolver with GODEBUG=netdns=go)
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go_client tcp|udp HOST:PORT | lookup NAME")
		os.Exit(64)
	}
	if os.Args[1] == "lookup" {
		addresses, err := net.LookupHost(os.Args[2])
		if err != nil {
			fmt.Println("lookup:", err)
			os.Exit(2)
		}
		for _, a := range addresses {
			if net.ParseIP(a).To4() != nil {
				fmt.Println(a)
				return
			}
		}
		fmt.Println("no IPv4 address")
		os.Exit(2)
	}
	conn, err := net.DialTimeout(os.Args[1], os.Args[2], 3*time.Second)
	if err != nil {
		fmt.Println("dial:", err)
		os.Exit(2)
	}
	conn.SetDeadline(time.Now().Add(3 * time.Second))
	if os.Args[1] == "udp" {
		conn.Write([]byte("ping"))
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil && line == "" {
		fmt.Println("read:", err)
		os.Exit(2)
	}
	fmt.Println(strings.TrimSpace(line))
}
