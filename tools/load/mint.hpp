#pragma once
// coati-load --unique-ids with --cert and --ca-key: a certificate per negotiation, so a
// hub sees N signing peers (as N satellites with their own certificates), not one
// identity from 4 addresses. Each is the driver's certificate (same key, same validity)
// with CN=n<i>.load.test in its subject, a serial of its own, signed by the CA's key.

#include <cstddef>
#include <string>
#include <vector>

#include "crypto/x509.hpp"

namespace coati::load {

/// `n` certificates made from `tmpl` as above, issued by the CA of `ca_cert_file` with
/// the key of `ca_key_file` (both PEM). Throws std::runtime_error with the reason.
std::vector<crypto::certificate> mint_certificates(const crypto::certificate& tmpl,
                                                   const std::string& ca_cert_file,
                                                   const std::string& ca_key_file, std::size_t n);

} // namespace coati::load
