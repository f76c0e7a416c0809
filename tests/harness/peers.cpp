#include "peers.hpp"

#include <utility>  // before Boost 1.74 asio: its awaitable.hpp needs std::exchange under C++20
#include <boost/asio.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

namespace srcbind::test {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

std::string source_text(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}

}  // namespace

struct Peer::Impl {
  asio::io_context io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<udp::socket> udp_socket;
  std::thread thread;
  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::vector<Seen> seen;

  // One step under the lock: a test woken by wait_for() sees the whole entry.
  std::size_t record(Seen entry) {
    std::lock_guard lock(mutex);
    seen.push_back(std::move(entry));
    changed.notify_all();
    return seen.size() - 1;
  }

  void append(std::size_t index, const char* data, std::size_t n) {
    std::lock_guard lock(mutex);
    seen[index].data.append(data, n);
  }

  void accept() {
    acceptor->async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      serve(std::make_shared<tcp::socket>(std::move(socket)));
      accept();
    });
  }

  void serve(std::shared_ptr<tcp::socket> socket) {
    boost::system::error_code ec;
    auto remote = socket->remote_endpoint(ec);
    if (ec) return;
    std::string source = source_text(remote.address());
    std::size_t index = record({source, {}});
    auto greeting = std::make_shared<std::string>("you are " + source + "\n");
    asio::async_write(*socket, asio::buffer(*greeting), [this, socket, greeting, index](boost::system::error_code, std::size_t) {
      boost::system::error_code ignored;
      socket->shutdown(tcp::socket::shutdown_send, ignored);
      read(socket, index);
    });
  }

  void read(std::shared_ptr<tcp::socket> socket, std::size_t index) {
    auto buf = std::make_shared<std::array<char, 4096>>();
    socket->async_read_some(asio::buffer(*buf), [this, socket, buf, index](boost::system::error_code ec, std::size_t n) {
      if (n) append(index, buf->data(), n);
      if (!ec) read(socket, index);
    });
  }

  // recvmsg on the native socket: Asio does not hand out control messages, and
  // the TTL shows whether the sender's own control data survived.
  void receive() {
    udp_socket->async_wait(udp::socket::wait_read, [this](boost::system::error_code ec) {
      if (ec) return;
      char data[65536];
      sockaddr_storage from{};
      alignas(cmsghdr) char control[256];
      iovec iov{data, sizeof data};
      msghdr msg{};
      msg.msg_name = &from;
      msg.msg_namelen = sizeof from;
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      ssize_t n = ::recvmsg(udp_socket->native_handle(), &msg, MSG_DONTWAIT);
      if (n >= 0) {
        udp::endpoint sender;
        std::memcpy(sender.data(), &from, msg.msg_namelen);
        sender.resize(msg.msg_namelen);
        int ttl = -1;
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
          if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
              (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
            std::memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
          }
        }
        record({source_text(sender.address()), std::string(data, static_cast<std::size_t>(n)), ttl});
        boost::system::error_code ignored;
        udp_socket->send_to(asio::buffer("ok", 2), sender, 0, ignored);
      }
      receive();
    });
  }
};

Peer::Peer(Kind kind, const std::string& address, std::uint16_t port) : impl_(std::make_unique<Impl>()) {
  auto addr = asio::ip::make_address(address);
  if (kind == Kind::tcp) {
    impl_->acceptor = std::make_unique<tcp::acceptor>(impl_->io);
    tcp::endpoint ep(addr, port);
    impl_->acceptor->open(ep.protocol());
    impl_->acceptor->set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor->bind(ep);
    impl_->acceptor->listen(4096);
    impl_->accept();
  } else {
    impl_->udp_socket = std::make_unique<udp::socket>(impl_->io, udp::endpoint(addr, port));
    int on = 1;
    if (addr.is_v4()) {
      setsockopt(impl_->udp_socket->native_handle(), IPPROTO_IP, IP_RECVTTL, &on, sizeof on);
    } else {
      setsockopt(impl_->udp_socket->native_handle(), IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on);
      setsockopt(impl_->udp_socket->native_handle(), IPPROTO_IP, IP_RECVTTL, &on, sizeof on);
    }
    impl_->receive();
  }
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

Peer::~Peer() {
  impl_->io.stop();
  impl_->thread.join();
}

std::uint16_t Peer::port() const {
  return impl_->acceptor ? impl_->acceptor->local_endpoint().port() : impl_->udp_socket->local_endpoint().port();
}

std::vector<Seen> Peer::seen() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->seen;
}

std::vector<std::string> Peer::sources() const {
  std::vector<std::string> out;
  for (const auto& s : seen()) out.push_back(s.source);
  return out;
}

bool Peer::wait_for(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, timeout, [&] { return impl_->seen.size() >= count; });
}

}  // namespace srcbind::test
