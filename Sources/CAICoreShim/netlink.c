// netlink.c — rtnetlink requests for AICoreNetwork: bridges, veth pairs, addresses, routes.
// Raw NETLINK_ROUTE, no library: each request is built in a stack buffer, sent with NLM_F_ACK,
// and the kernel's ack read back, so every call is one round trip that either happened or
// returns -errno. A netlink socket belongs to the network namespace of the thread that opened
// it; each call opens its own, so a caller that has entered an instance's namespace (setns on a
// thread of its own) configures that namespace.
#define _GNU_SOURCE
#include "aicore_shim.h"
#include <errno.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define AIC_NL_BUFFER 4096

struct nl_request {
  union {
    struct nlmsghdr header;
    char bytes[AIC_NL_BUFFER];
  } u;
  int overflow;
};

static void *nl_tail(struct nl_request *r) { return r->u.bytes + NLMSG_ALIGN(r->u.header.nlmsg_len); }

static void nl_begin(struct nl_request *r, uint16_t type, uint16_t flags, const void *body, size_t size) {
  memset(r, 0, sizeof(*r));
  r->u.header.nlmsg_len = NLMSG_LENGTH(size);
  r->u.header.nlmsg_type = type;
  r->u.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  r->u.header.nlmsg_seq = 1;
  memcpy(NLMSG_DATA(&r->u.header), body, size);
}

static struct rtattr *nl_attr(struct nl_request *r, uint16_t type, const void *data, size_t size) {
  size_t length = RTA_LENGTH(size);
  if (NLMSG_ALIGN(r->u.header.nlmsg_len) + RTA_ALIGN(length) > sizeof(r->u.bytes)) {
    r->overflow = 1;
    return NULL;
  }
  struct rtattr *attr = nl_tail(r);
  attr->rta_type = type;
  attr->rta_len = (unsigned short)length;
  if (size > 0) memcpy(RTA_DATA(attr), data, size);
  r->u.header.nlmsg_len = NLMSG_ALIGN(r->u.header.nlmsg_len) + RTA_ALIGN(length);
  return attr;
}

static struct rtattr *nl_nest_begin(struct nl_request *r, uint16_t type) { return nl_attr(r, type, NULL, 0); }

static void nl_nest_end(struct nl_request *r, struct rtattr *nest) {
  if (nest != NULL) nest->rta_len = (unsigned short)((char *)nl_tail(r) - (char *)nest);
}

static int nl_open(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return -errno;
  struct sockaddr_nl local = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
    int saved = errno;
    close(fd);
    return -saved;
  }
  return fd;
}

// Sends `message` on a fresh socket and reads the kernel's answers until its ack (NLMSG_ERROR,
// whose 0 is success) or the end of a dump (NLMSG_DONE), handing every other message to
// `visit` (NULL: none expected). 0, or -errno.
typedef void (*nl_visitor)(void *context, struct nlmsghdr *message);

static int nl_exchange(const void *message, size_t length, nl_visitor visit, void *context) {
  int fd = nl_open();
  if (fd < 0) return fd;
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  ssize_t sent;
  do {
    sent = sendto(fd, message, length, 0, (struct sockaddr *)&kernel, sizeof(kernel));
  } while (sent < 0 && errno == EINTR);
  int result = sent < 0 ? -errno : 1;
  char answer[16384];
  while (result > 0) {
    ssize_t n = recv(fd, answer, sizeof(answer), 0);
    if (n < 0) {
      if (errno != EINTR) result = -errno;
      continue;
    }
    if (n == 0) result = -EIO;
    for (struct nlmsghdr *h = (struct nlmsghdr *)answer; result > 0 && NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE) {
        result = 0;
      } else if (h->nlmsg_type == NLMSG_ERROR) {
        result = ((struct nlmsgerr *)NLMSG_DATA(h))->error;  // 0 is the ack
        if (result > 0) result = -EIO;
      } else if (visit != NULL) {
        visit(context, h);
      }
    }
  }
  close(fd);
  return result;
}

// Sends the request and waits for its ack: 0, or the kernel's -errno.
static int nl_transact(struct nl_request *r) {
  if (r->overflow) return -EMSGSIZE;
  return nl_exchange(r->u.bytes, r->u.header.nlmsg_len, NULL, NULL);
}

static int ifinfo_request(struct nl_request *r, uint16_t type, uint16_t flags, int index, unsigned up_flags,
                          unsigned change) {
  struct ifinfomsg info = {.ifi_family = AF_UNSPEC, .ifi_index = index, .ifi_flags = up_flags, .ifi_change = change};
  nl_begin(r, type, flags, &info, sizeof(info));
  return 0;
}

int aic_nl_bridge_add(const char *name, const uint8_t *mac, uint32_t mtu) {
  struct nl_request r;
  ifinfo_request(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, 0, 0);
  nl_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
  if (mac != NULL) nl_attr(&r, IFLA_ADDRESS, mac, 6);
  if (mtu > 0) nl_attr(&r, IFLA_MTU, &mtu, sizeof(mtu));
  struct rtattr *info = nl_nest_begin(&r, IFLA_LINKINFO);
  nl_attr(&r, IFLA_INFO_KIND, "bridge", strlen("bridge"));
  nl_nest_end(&r, info);
  return nl_transact(&r);
}

int aic_nl_veth_add(const char *name, const char *peer, int peer_netns_fd, uint32_t mtu, const uint8_t *peer_mac) {
  struct nl_request r;
  ifinfo_request(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, 0, 0);
  nl_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
  if (mtu > 0) nl_attr(&r, IFLA_MTU, &mtu, sizeof(mtu));
  struct rtattr *info = nl_nest_begin(&r, IFLA_LINKINFO);
  nl_attr(&r, IFLA_INFO_KIND, "veth", strlen("veth"));
  struct rtattr *data = nl_nest_begin(&r, IFLA_INFO_DATA);
  struct rtattr *peer_nest = nl_nest_begin(&r, VETH_INFO_PEER);
  // The peer's own ifinfomsg, then its attributes: created straight in its namespace, so it
  // never exists on the host side under a name another could take.
  struct ifinfomsg peer_info = {.ifi_family = AF_UNSPEC};
  if (NLMSG_ALIGN(r.u.header.nlmsg_len) + NLMSG_ALIGN(sizeof(peer_info)) > sizeof(r.u.bytes)) return -EMSGSIZE;
  memcpy(nl_tail(&r), &peer_info, sizeof(peer_info));
  r.u.header.nlmsg_len = NLMSG_ALIGN(r.u.header.nlmsg_len) + NLMSG_ALIGN(sizeof(peer_info));
  nl_attr(&r, IFLA_IFNAME, peer, strlen(peer) + 1);
  if (mtu > 0) nl_attr(&r, IFLA_MTU, &mtu, sizeof(mtu));
  if (peer_mac != NULL) nl_attr(&r, IFLA_ADDRESS, peer_mac, 6);
  if (peer_netns_fd >= 0) {
    uint32_t fd = (uint32_t)peer_netns_fd;
    nl_attr(&r, IFLA_NET_NS_FD, &fd, sizeof(fd));
  }
  nl_nest_end(&r, peer_nest);
  nl_nest_end(&r, data);
  nl_nest_end(&r, info);
  return nl_transact(&r);
}

int aic_nl_link_set(const char *name, int up, int master_index) {
  int index = (int)if_nametoindex(name);
  if (index == 0) return -errno;
  struct nl_request r;
  ifinfo_request(&r, RTM_NEWLINK, 0, index, up > 0 ? IFF_UP : 0, up >= 0 ? IFF_UP : 0);
  if (master_index >= 0) {
    uint32_t master = (uint32_t)master_index;
    nl_attr(&r, IFLA_MASTER, &master, sizeof(master));
  }
  return nl_transact(&r);
}

int aic_nl_link_del(const char *name) {
  struct nl_request r;
  ifinfo_request(&r, RTM_DELLINK, 0, 0, 0, 0);
  nl_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
  return nl_transact(&r);
}

int aic_nl_link_index(const char *name) {
  unsigned index = if_nametoindex(name);
  return index == 0 ? -errno : (int)index;
}

int aic_nl_addr_add(int index, int family, const uint8_t *address, int prefix_length, uint32_t flags) {
  struct nl_request r;
  struct ifaddrmsg body = {
      .ifa_family = (uint8_t)family, .ifa_prefixlen = (uint8_t)prefix_length, .ifa_index = (uint32_t)index,
      .ifa_scope = RT_SCOPE_UNIVERSE, .ifa_flags = (uint8_t)(flags & 0xff)};
  nl_begin(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &body, sizeof(body));
  size_t size = family == AF_INET6 ? 16 : 4;
  nl_attr(&r, IFA_LOCAL, address, size);
  nl_attr(&r, IFA_ADDRESS, address, size);
  // The 8-bit ifa_flags holds the old flags only; IFA_FLAGS carries all 32 bits.
  if (flags != 0) nl_attr(&r, IFA_FLAGS, &flags, sizeof(flags));
  return nl_transact(&r);
}

int aic_nl_addr_del(int index, int family, const uint8_t *address, int prefix_length) {
  struct nl_request r;
  struct ifaddrmsg body = {
      .ifa_family = (uint8_t)family, .ifa_prefixlen = (uint8_t)prefix_length, .ifa_index = (uint32_t)index};
  nl_begin(&r, RTM_DELADDR, 0, &body, sizeof(body));
  size_t size = family == AF_INET6 ? 16 : 4;
  nl_attr(&r, IFA_LOCAL, address, size);
  return nl_transact(&r);
}

int aic_nl_route_add(int family, const uint8_t *destination, int destination_length, const uint8_t *gateway,
                     int output_index) {
  struct nl_request r;
  struct rtmsg body = {
      .rtm_family = (uint8_t)family, .rtm_dst_len = (uint8_t)destination_length, .rtm_table = RT_TABLE_MAIN,
      .rtm_protocol = RTPROT_BOOT, .rtm_scope = gateway != NULL ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
      .rtm_type = RTN_UNICAST};
  nl_begin(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &body, sizeof(body));
  size_t size = family == AF_INET6 ? 16 : 4;
  if (destination != NULL && destination_length > 0) nl_attr(&r, RTA_DST, destination, size);
  if (gateway != NULL) nl_attr(&r, RTA_GATEWAY, gateway, size);
  if (output_index > 0) {
    uint32_t oif = (uint32_t)output_index;
    nl_attr(&r, RTA_OIF, &oif, sizeof(oif));
  }
  return nl_transact(&r);
}

// Dumps the routes of `family` and calls `visit` with each main-table route: its type
// (RTN_UNICAST, RTN_BLACKHOLE…), destination prefix length, RTA_DST (NULL for a default route)
// and RTA_OIF (0 when absent). 0 once the dump is done, or -errno.
typedef void (*route_visitor)(void *context, int type, int destination_length, const void *destination, int output_index);

struct route_walk {
  route_visitor visit;
  void *context;
};

static void walk_route(void *context, struct nlmsghdr *message) {
  struct route_walk *walk = context;
  if (message->nlmsg_type != RTM_NEWROUTE) return;
  struct rtmsg *route = NLMSG_DATA(message);
  if (route->rtm_table != RT_TABLE_MAIN) return;
  const void *destination = NULL;
  int output_index = 0;
  int length = (int)RTM_PAYLOAD(message);
  for (struct rtattr *a = RTM_RTA(route); RTA_OK(a, length); a = RTA_NEXT(a, length)) {
    if (a->rta_type == RTA_DST) destination = RTA_DATA(a);
    if (a->rta_type == RTA_OIF) memcpy(&output_index, RTA_DATA(a), sizeof(output_index));
  }
  walk->visit(walk->context, route->rtm_type, route->rtm_dst_len, destination, output_index);
}

static int nl_each_route(int family, route_visitor visit, void *context) {
  struct {
    struct nlmsghdr header;
    struct rtmsg body;
  } dump = {
      .header = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)), .nlmsg_type = RTM_GETROUTE,
                 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1},
      .body = {.rtm_family = (uint8_t)family}};
  struct route_walk walk = {.visit = visit, .context = context};
  return nl_exchange(&dump, dump.header.nlmsg_len, walk_route, &walk);
}

struct route_list {
  uint32_t *destinations;
  uint8_t *prefixes;
  int capacity;
  int count;
};

// Every kind counts: a blackhole or unreachable route to a range blocks it as surely.
static void collect_route(void *context, int type, int destination_length, const void *destination, int output_index) {
  (void)type;
  (void)output_index;
  struct route_list *list = context;
  if (destination_length == 0) return;
  if (list->count < list->capacity) {
    uint32_t address = 0;
    if (destination != NULL) memcpy(&address, destination, sizeof(address));
    list->destinations[list->count] = address;
    list->prefixes[list->count] = (uint8_t)destination_length;
  }
  list->count++;
}

int aic_nl_ipv4_routes(uint32_t *destinations, uint8_t *prefixes, int capacity) {
  struct route_list list = {.destinations = destinations, .prefixes = prefixes, .capacity = capacity, .count = 0};
  int rc = nl_each_route(AF_INET, collect_route, &list);
  return rc < 0 ? rc : list.count;
}

struct route6_list {
  uint8_t *destinations;  // 16 bytes each
  uint8_t *prefixes;
  int capacity;
  int count;
};

static void collect_route6(void *context, int type, int destination_length, const void *destination, int output_index) {
  (void)type;
  (void)output_index;
  struct route6_list *list = context;
  if (destination_length == 0) return;
  if (list->count < list->capacity) {
    uint8_t *slot = list->destinations + 16 * list->count;
    memset(slot, 0, 16);
    if (destination != NULL) memcpy(slot, destination, 16);
    list->prefixes[list->count] = (uint8_t)destination_length;
  }
  list->count++;
}

int aic_nl_ipv6_routes(uint8_t *destinations, uint8_t *prefixes, int capacity) {
  struct route6_list list = {.destinations = destinations, .prefixes = prefixes, .capacity = capacity, .count = 0};
  int rc = nl_each_route(AF_INET6, collect_route6, &list);
  return rc < 0 ? rc : list.count;
}

static void find_default_route(void *context, int type, int destination_length, const void *destination, int output_index) {
  (void)destination;
  int *found = context;
  if (type == RTN_UNICAST && destination_length == 0 && *found == 0) *found = output_index;
}

// The MTU of the link the default route of `family` leaves by (the main table's first 0/0
// route): -ENOENT when there is none.
int aic_nl_default_route_mtu(int family) {
  int oif = 0;
  int rc = nl_each_route(family, find_default_route, &oif);
  if (rc < 0) return rc;
  if (oif == 0) return -ENOENT;
  char name[IF_NAMESIZE];
  if (if_indextoname((unsigned)oif, name) == NULL) return -errno;
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return -errno;
  struct ifreq request;
  memset(&request, 0, sizeof(request));
  strncpy(request.ifr_name, name, IF_NAMESIZE - 1);
  int result = ioctl(sock, SIOCGIFMTU, &request);
  int saved = errno;
  close(sock);
  return result < 0 ? -saved : request.ifr_mtu;
}

int aic_nl_link_mac(const char *name, uint8_t *mac) {
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return -errno;
  struct ifreq request;
  memset(&request, 0, sizeof(request));
  strncpy(request.ifr_name, name, IF_NAMESIZE - 1);
  int result = ioctl(sock, SIOCGIFHWADDR, &request);
  int saved = errno;
  close(sock);
  if (result < 0) return -saved;
  memcpy(mac, request.ifr_hwaddr.sa_data, 6);
  return 0;
}

int aic_netns_enter(int fd) { return setns(fd, CLONE_NEWNET) < 0 ? -errno : 0; }

int aic_netns_unshare(void) { return unshare(CLONE_NEWNET) < 0 ? -errno : 0; }

int aic_ipcns_enter(int fd) { return setns(fd, CLONE_NEWIPC) < 0 ? -errno : 0; }
