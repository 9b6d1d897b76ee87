// lectern-server configuration: defaults < TOML config file < LECTERN_* environment < flags.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lectern::server {

/// A host and port to listen on. `host` is a name or an address, IPv6 without brackets.
struct listen_address {
  std::string host;
  std::uint16_t port = 0;  ///< 0: the system picks a free port

  /// "host:port", with brackets around an IPv6 host: "[::1]:1935".
  std::string to_string() const;

  friend bool operator==(const listen_address&, const listen_address&) = default;
};

/// Parses "HOST:PORT", "[IPv6]:PORT" or ":PORT" (host 0.0.0.0). Port 0 is allowed. On failure
/// returns nullopt and sets `error` to what is wrong with `s`. Does no name resolution.
std::optional<listen_address> parse_listen_address(std::string_view s, std::string& error);

/// How live players' writes are grouped (--write-batching; docs/server.md, "Writes").
enum class write_batching : std::uint8_t {
  none,    ///< each message goes out as soon as it is queued (the default: no added delay)
  frame,   ///< audio waits for the next video frame, at most k_audio_hold of media time
  window,  ///< an idle writer waits k_player_batch_wait for more (--no-low-latency)
};

/// Everything lectern-server can be configured with; see help_text() and
/// docs/configuration.md for the meaning of each field.
struct server_options {
  std::filesystem::path config_file;                      // --config FILE (empty: none)
  listen_address rtmp_listen{"0.0.0.0", 1935};            // --rtmp-listen
  listen_address http_listen{"0.0.0.0", 8080};            // --http-listen
  std::filesystem::path data_dir = "lectern-data";        // --data-dir
  unsigned threads = 0;                                   // --threads; 0 = one per core
  bool open = false;                                      // --open: auth-free relay
  bool record_all = false;                                // --record-all
  std::string log_level = "info";                         // --log-level debug|info|warn|error
  std::size_t max_connections = 10000;                    // --max-connections
  std::chrono::milliseconds handshake_timeout{10000};     // --handshake-timeout-ms
  std::chrono::milliseconds idle_timeout{30000};          // --idle-timeout-ms
  std::uint32_t max_message_size = 8u << 20;              // --max-message-size
  std::uint32_t chunk_size = 4096;                        // --chunk-size (outgoing)
  std::size_t subscriber_queue_bytes = 8u << 20;          // --subscriber-queue-bytes
  std::chrono::milliseconds subscriber_queue_ms{10000};   // --subscriber-queue-ms
  std::chrono::milliseconds max_lag{15000};               // --max-lag-ms
  std::size_t gop_cache_bytes = 32u << 20;                // --gop-cache-bytes (0: off)
  std::chrono::milliseconds gop_cache_ms{20000};          // --gop-cache-ms
  std::chrono::milliseconds record_flush_interval{1000};  // --record-flush-ms
  write_batching batching = write_batching::none;         // --write-batching, --no-low-latency
  bool io_uring = true;                                   // --io-uring (one send call per round)
  std::vector<std::string> webhook_urls;                  // --webhook-url (repeatable)
  std::string webhook_secret;                             // --webhook-secret
  std::string public_url;                                 // --public-url (empty: the Host header)
  std::chrono::hours admin_session_ttl{12};               // --admin-session-hours
  std::filesystem::path web_root;                         // --web-root (empty: the build's web/)
  std::size_t max_http_players = 1000;                    // --max-http-players
  std::size_t store_queue = 10'000;                       // --store-queue

  /// `web_root`, or the panel this build writes (LECTERN_DEFAULT_WEB_ROOT) when it is empty.
  std::filesystem::path resolved_web_root() const;

  /// `threads`, or the number of cores (at least 1) when it is 0.
  unsigned resolved_threads() const;

  friend bool operator==(const server_options&, const server_options&) = default;
};

/// Result of parse_options(). When `exit` is set the program prints `output` (to stdout for
/// exit_code 0: --help, --version; to stderr otherwise) and exits with `exit_code`.
struct parse_outcome {
  server_options options;
  bool exit = false;
  int exit_code = 0;
  std::string output;  ///< --help/--version text, or the error message
};

/// Reads the configuration from `args` (argv without argv[0]), the environment (through
/// `getenv`, which returns nullopt for an unset variable) and the config file named by
/// --config or LECTERN_CONFIG. Precedence: built-in defaults < config file < environment <
/// flags. Any error (unreadable or invalid file, unknown key or flag, bad or out-of-range
/// value) gives exit_code 2 and a message saying what, where and what to do. Never throws.
parse_outcome parse_options(
    std::span<const std::string_view> args,
    const std::function<std::optional<std::string>(std::string_view)>& getenv);

/// The --help text: usage, then every option grouped, with its default, environment variable
/// and config key.
std::string help_text();

/// Where an option is listed in help_text() and docs/configuration.md.
enum class option_group { general, network, storage, limits, logging, webhooks };

/// One configurable option. The table of these is the single source of the flag, the TOML
/// key, the environment variable, the help text and the default.
struct option_descriptor {
  std::string_view name;  ///< flag name without "--", e.g. "chunk-size"
  option_group group;
  std::string_view value_name;  ///< placeholder in help ("N", "HOST:PORT"); empty: boolean
  std::string_view help;        ///< one or two sentences
  /// The option's value in `o` as text the setter accepts (help shows it for the defaults).
  std::string (*show)(const server_options& o);
  /// Parses `value` into `o`; on failure returns false and sets `error` (without the source).
  bool (*set)(server_options& o, std::string_view value, std::string& error);
  /// False only for "config": a config file cannot name another.
  bool in_config_file = true;
  /// A list option: repeated flags add to it (a later source still replaces it), and its
  /// config key may be a TOML array of strings. The setter takes comma-separated items.
  bool repeatable = false;
  /// For a list whose flag is singular ("webhook-url"): the name its config key and
  /// environment variable are derived from ("webhook-urls"). Empty: `name`.
  std::string_view list_name = {};

  bool is_boolean() const noexcept { return value_name.empty(); }
  /// "chunk_size": the config file key (from list_name when set).
  std::string toml_key() const;
  /// "LECTERN_CHUNK_SIZE": the environment variable (from list_name when set).
  std::string env_name() const;
};

/// Every option, in help order (--help and --version are not options and not listed).
std::span<const option_descriptor> option_descriptors();

}  // namespace lectern::server
