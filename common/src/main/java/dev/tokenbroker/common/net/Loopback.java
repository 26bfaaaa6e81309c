package dev.tokenbroker.common.net;

import java.util.Locale;

/**
 * Whether a host names this machine: an IP literal in {@code 127.0.0.0/8} or {@code ::1} (bracketed
 * or not, IPv4-mapped {@code ::ffff:127.x.y.z} included), or exactly the name {@code localhost}
 * (any case). The host is parsed, never prefix-matched: {@code 127.evil.example} and {@code
 * localhost.evil.example} are not loopback. Allocation-free for the common answers ({@code
 * 127.0.0.1}, {@code localhost}, any dotted quad); used on the hot path of the token endpoints.
 */
public final class Loopback {

  private Loopback() {}

  /** A URL or Host-header host: an IP literal (IPv6 may be bracketed) or {@code localhost}. */
  public static boolean isLoopbackHost(String host) {
    if (host == null || host.isEmpty()) {
      return false;
    }
    if (host.equals("127.0.0.1") || host.equalsIgnoreCase("localhost")) {
      return true; // the common cases, without parsing
    }
    return isLoopbackAddress(host);
  }

  /** An IP literal only (a peer address): {@code 127.0.0.0/8} or {@code ::1}, bracketed or not. */
  public static boolean isLoopbackAddress(String ip) {
    if (ip == null || ip.isEmpty()) {
      return false;
    }
    if (ip.equals("127.0.0.1")
        || ip.equals("::1")
        || ip.equals("[::1]")
        || ip.equals("0:0:0:0:0:0:0:1")) {
      return true; // the common cases, without parsing
    }
    int from = 0;
    int to = ip.length();
    if (ip.charAt(0) == '[') {
      if (ip.charAt(to - 1) != ']') {
        return false;
      }
      from = 1;
      to--;
    }
    if (ip.indexOf(':', from) < 0) {
      return from == 0 && ipv4Loopback(ip, 0, to);
    }
    return ipv6Loopback(ip, from, to);
  }

  /** A dotted quad {@code 127.a.b.c}, each part 0-255 in decimal. */
  private static boolean ipv4Loopback(String s, int from, int to) {
    int parts = 0;
    int value = -1;
    int digits = 0;
    int first = -1;
    for (int i = from; i <= to; i++) {
      char c = i == to ? '.' : s.charAt(i);
      if (c == '.') {
        if (value < 0 || parts == 4) {
          return false;
        }
        if (parts == 0) {
          first = value;
        }
        parts++;
        value = -1;
        digits = 0;
      } else if (c >= '0' && c <= '9') {
        value = value < 0 ? c - '0' : value * 10 + (c - '0');
        if (value > 255 || ++digits > 3) {
          return false;
        }
      } else {
        return false;
      }
    }
    return parts == 4 && first == 127;
  }

  /**
   * {@code ::1} in any spelling ({@code 0:0:0:0:0:0:0:1}, {@code ::0001}), or an IPv4-mapped
   * loopback {@code ::ffff:127.x.y.z}. Zone ids are not loopback.
   */
  private static boolean ipv6Loopback(String s, int from, int to) {
    if (s.indexOf('%', from) >= 0) {
      return false;
    }
    String text = s.substring(from, to).toLowerCase(Locale.ROOT);
    int lastColon = text.lastIndexOf(':');
    String tail = text.substring(lastColon + 1);
    if (tail.indexOf('.') >= 0) {
      String head = text.substring(0, lastColon + 1);
      return (head.equals("::ffff:") || head.equals("0:0:0:0:0:ffff:"))
          && ipv4Loopback(tail, 0, tail.length());
    }
    int[] groups = expand(text);
    if (groups == null) {
      return false;
    }
    for (int i = 0; i < 7; i++) {
      if (groups[i] != 0) {
        return false;
      }
    }
    return groups[7] == 1;
  }

  /** The eight 16-bit groups of an IPv6 text without brackets or embedded IPv4; null if invalid. */
  private static int[] expand(String text) {
    int gap = text.indexOf("::");
    if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
      return null;
    }
    String[] head = gap < 0 ? text.split(":", -1) : split(text.substring(0, gap));
    String[] tail = gap < 0 ? new String[0] : split(text.substring(gap + 2));
    if (gap < 0 ? head.length != 8 : head.length + tail.length > 7) {
      return null;
    }
    int[] groups = new int[8];
    for (int i = 0; i < head.length; i++) {
      groups[i] = group(head[i]);
    }
    for (int i = 0; i < tail.length; i++) {
      groups[8 - tail.length + i] = group(tail[i]);
    }
    for (int g : groups) {
      if (g < 0) {
        return null;
      }
    }
    return groups;
  }

  private static String[] split(String part) {
    return part.isEmpty() ? new String[0] : part.split(":", -1);
  }

  private static int group(String hex) {
    if (hex.isEmpty() || hex.length() > 4) {
      return -1;
    }
    int v = 0;
    for (int i = 0; i < hex.length(); i++) {
      int d = Character.digit(hex.charAt(i), 16);
      if (d < 0) {
        return -1;
      }
      v = v * 16 + d;
    }
    return v;
  }
}
