#include "options.hpp"

#include <algorithm>
#include <array>
#include <sstream>
#include <utility>
#include <vector>

#include "log.hpp"
#include "option_values.hpp"
#include "options_builder.hpp"
#include "options_file.hpp"
#include "webhook_event.hpp"

#ifndef LECTERN_VERSION
#define LECTERN_VERSION "dev"  // CMake defines the project version; this is for direct builds
#endif

namespace lectern::server {
namespace {

using detail::builder;
using detail::find_by;
using detail::flag_of;
using detail::format_size;
using detail::load_config;
using detail::name_of;
using detail::origin_of;
using detail::quote_value;
using detail::suggestion;

constexpr std::string_view k_program = "lectern-server";
using g = option_group;

constexpr std::array<std::pair<option_group, std::string_view>, 6> k_group_titles{{
    {g::general, "General"},
    {g::network, "Network"},
    {g::storage, "Storage"},
    {g::limits, "Limits"},
    {g::logging, "Logging"},
    {g::webhooks, "Webhooks"},
}};

parse_outcome failure(std::string message) {
  parse_outcome out;
  out.exit = true;
  out.exit_code = 2;
  // Appended piece by piece: GCC 12 sees a false -Warray-bounds in the chain of operator+
  // once the precompiled header is included first.
  out.output = k_program;
  out.output += ": ";
  out.output += message;
  out.output += "\nSee ";
  out.output += k_program;
  out.output += " --help for every option and its format.\n";
  return out;
}

// ----------------------------------------------------------------------------- flags

struct flag_value {
  const option_descriptor* option;
  std::string value;
  std::string flag;  // as written, for messages
};

struct flag_scan {
  std::vector<flag_value> values;
  bool help = false;
  bool version = false;
  std::optional<std::string> error;  // the first one; --help and --version still win
};

// Reads the flag at args[i] (and its value, advancing i past it) into `scan`.
void scan_flag(std::span<const std::string_view> args, std::size_t& i, flag_scan& scan) {
  const auto fail = [&scan](std::string message) {
    if (!scan.error) scan.error = std::move(message);
  };
  const std::string_view arg = args[i];
  if (arg == "-h" || arg == "--help") {
    scan.help = true;
    return;
  }
  if (arg == "--version") {
    scan.version = true;
    return;
  }
  if (arg.size() <= 2 || !arg.starts_with("--")) {
    fail("unexpected argument " + quote_value(arg) + "; options start with --");
    return;
  }
  const std::string_view body = arg.substr(2);
  const auto equals = body.find('=');
  const bool has_value = equals != std::string_view::npos;
  const std::string_view name = body.substr(0, equals);
  const std::string_view inline_value = has_value ? body.substr(equals + 1) : "true";
  const std::string flag = "--" + std::string(name);
  const auto* d = find_by(name, name_of);
  if (d == nullptr && name.starts_with("no-")) {
    const auto* positive = find_by(name.substr(3), name_of);
    if (positive != nullptr && positive->is_boolean()) {
      if (has_value) {
        fail(flag + ": takes no value");
      } else {
        scan.values.push_back({positive, "false", flag});
      }
      return;
    }
  }
  if (d == nullptr) {
    fail("unknown option " + quote_value(flag) + suggestion(flag, flag_of));
  } else if (d->is_boolean() || has_value) {
    scan.values.push_back({d, std::string(inline_value), flag});
  } else if (i + 1 < args.size() && !args[i + 1].starts_with("--")) {
    scan.values.push_back({d, std::string(args[++i]), flag});
  } else {
    fail(flag + ": needs a value (" + flag + " " + std::string(d->value_name) + ")");
  }
}

flag_scan scan_flags(std::span<const std::string_view> args) {
  flag_scan scan;
  for (std::size_t i = 0; i < args.size(); ++i) scan_flag(args, i, scan);
  return scan;
}

// -------------------------------------------------------------------------- cross checks

bool is_wildcard(const std::string& host) {
  return host == "0.0.0.0" || host == "::";
}

bool check_combination(const builder& b, std::string& error) {
  const auto& opt = b.options;
  if (opt.subscriber_queue_bytes < opt.max_message_size) {
    error = "subscriber_queue_bytes " + format_size(opt.subscriber_queue_bytes) + " (" +
            origin_of(b, "subscriber-queue-bytes") + ") is smaller than max_message_size " +
            format_size(opt.max_message_size) + " (" + origin_of(b, "max-message-size") +
            "): a message that large could never be queued; raise the first or lower the second";
    return false;
  }
  if (!opt.webhook_urls.empty() && opt.webhook_secret.empty()) {
    error = "webhook_urls are set (" + origin_of(b, "webhook-url") +
            ") but webhook_secret is not: receivers could not verify the deliveries; set "
            "LECTERN_WEBHOOK_SECRET (e.g. to the output of `openssl rand -hex 32`)";
    return false;
  }
  const auto& rtmp = opt.rtmp_listen;
  const auto& http = opt.http_listen;
  if (rtmp.port != 0 && rtmp.port == http.port &&
      (rtmp.host == http.host || is_wildcard(rtmp.host) || is_wildcard(http.host))) {
    error = "rtmp_listen " + rtmp.to_string() + " (" + origin_of(b, "rtmp-listen") +
            ") and http_listen " + http.to_string() + " (" + origin_of(b, "http-listen") +
            ") would use the same port; give them different ports";
    return false;
  }
  return true;
}

parse_outcome parse(std::span<const std::string_view> args,
                    const std::function<std::optional<std::string>(std::string_view)>& getenv) {
  const flag_scan scan = scan_flags(args);
  if (scan.help) return {server_options{}, true, 0, help_text()};
  if (scan.version) {
    return {server_options{}, true, 0, std::string(k_program) + " " LECTERN_VERSION "\n"};
  }
  if (scan.error) return failure(*scan.error);

  builder b;
  std::string error;
  const auto& config = option_descriptors()[0];
  // The config file comes first (lowest precedence after the defaults): the last --config
  // flag, else LECTERN_CONFIG.
  std::optional<std::pair<std::string, std::string>> chosen;  // value, where
  for (const auto& f : scan.values) {
    if (f.option == &config) chosen.emplace(f.value, f.flag);
  }
  if (!chosen) {
    if (auto value = getenv(config.env_name()); value && !value->empty()) {
      chosen.emplace(std::move(*value), config.env_name());
    }
  }
  if (chosen) {
    if (!b.apply(config, chosen->first, chosen->second, error)) return failure(error);
    if (!load_config(b.options.config_file, chosen->second, b, error)) return failure(error);
  }
  for (const auto& d : option_descriptors()) {
    if (&d == &config) continue;
    const std::string name = d.env_name();
    const auto value = getenv(name);
    // An empty variable counts as unset (compose files and unit files often leave them so).
    if (value && !value->empty() && !b.apply(d, *value, name, error)) return failure(error);
  }
  for (const auto& f : scan.values) {
    if (f.option != &config && !b.apply(*f.option, f.value, f.flag, error)) return failure(error);
  }
  if (!check_combination(b, error)) return failure(error);
  return {std::move(b.options), false, 0, {}};
}

// Appends `text` wrapped to 80 columns (a terminal's width), every line indented by `indent`
// spaces.
void append_wrapped(std::string& out, std::string_view text, std::size_t indent) {
  constexpr std::size_t k_width = 80;
  std::size_t column = 0;
  std::istringstream words{std::string(text)};
  std::string word;
  while (words >> word) {
    if (column == 0) {
      out.append(indent, ' ');
      column = indent;
    } else if (column + 1 + word.size() > k_width) {
      out += '\n';
      out.append(indent, ' ');
      column = indent;
    } else {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
  }
  out += '\n';
}

}  // namespace

// ------------------------------------------------------------------------------ public API

parse_outcome parse_options(
    std::span<const std::string_view> args,
    const std::function<std::optional<std::string>(std::string_view)>& getenv) {
  try {
    return parse(args, getenv);
  } catch (const std::exception& e) {
    return failure(std::string("internal error while reading the configuration: ") + e.what());
  } catch (...) {
    return failure("internal error while reading the configuration");
  }
}

std::filesystem::path server_options::resolved_web_root() const {
#ifdef LECTERN_DEFAULT_WEB_ROOT
  if (web_root.empty()) return LECTERN_DEFAULT_WEB_ROOT;
#endif
  return web_root;
}

std::string help_text() {
  const server_options defaults;
  std::string out = std::string("Usage: ") + std::string(k_program) + " [OPTIONS]\n\n";
  append_wrapped(out,
                 "Lectern's live-classroom server: an RTMP relay with an HTTP control API. "
                 "Every option is a flag, a key in the TOML config file and an environment "
                 "variable; flags win over the environment, which wins over the config file, "
                 "which wins over the defaults. Booleans: --NAME / --no-NAME, or true/false, "
                 "yes/no, 1/0. Sizes: bytes, or K/KiB, M/MiB, G/GiB (powers of 1024). MS: "
                 "whole milliseconds. See docs/configuration.md.",
                 0);
  out += "\n  -h, --help\n";
  append_wrapped(out, "Print this help and exit.", 8);
  out += "  --version\n";
  append_wrapped(out, "Print the version and exit.", 8);
  for (const auto& [group, title] : k_group_titles) {
    out += '\n';
    out += title;
    out += ":\n";
    for (const auto& d : option_descriptors()) {
      if (d.group != group) continue;
      // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "literal" + string.
      out += "  --";
      out += d.name;
      if (d.is_boolean()) {
        out += ", --no-";
        out += d.name;
      } else {
        out += ' ';
        out += d.value_name;
      }
      const std::string shown = d.show(defaults);
      out += "  (default ";
      out += shown.empty() ? std::string_view("none") : std::string_view(shown);
      out += ")\n";
      append_wrapped(out, d.help, 8);
      append_wrapped(
          out, "env " + d.env_name() + (d.in_config_file ? ", key " + d.toml_key() : std::string()),
          8);
    }
  }
  return out;
}

}  // namespace lectern::server
