#pragma once
// Internal: body encoders/decoders of each payload, shared by ike/message.cpp.
// Each decoder reads one payload body (the generic header already consumed) and checks
// it with the same rules the encoder applies, so both accept exactly the same set.

#include <vector>

#include "ike/payloads.hpp"
#include "ike/wire.hpp"

namespace coati::ike::detail {

/// Data attributes until the reader is empty.
std::vector<data_attribute> decode_attributes(reader& r);
void encode_attributes(writer& w, const std::vector<data_attribute>& attrs);

void decode_body(reader& r, sa_payload& p);
void encode_body(writer& w, const sa_payload& p);
void decode_body(reader& r, attribute_payload& p);
void encode_body(writer& w, const attribute_payload& p);

// Simple payloads (ike/payloads.cpp).
void decode_body(reader& r, ke_payload& p);
void encode_body(writer& w, const ke_payload& p);
void decode_body(reader& r, id_payload& p);
void encode_body(writer& w, const id_payload& p);
void decode_body(reader& r, cert_payload& p);
void encode_body(writer& w, const cert_payload& p);
void decode_body(reader& r, cr_payload& p);
void encode_body(writer& w, const cr_payload& p);
void decode_body(reader& r, hash_payload& p);
void encode_body(writer& w, const hash_payload& p);
void decode_body(reader& r, sig_payload& p);
void encode_body(writer& w, const sig_payload& p);
void decode_body(reader& r, nonce_payload& p);
void encode_body(writer& w, const nonce_payload& p);
void decode_body(reader& r, notify_payload& p);
void encode_body(writer& w, const notify_payload& p);
void decode_body(reader& r, delete_payload& p);
void encode_body(writer& w, const delete_payload& p);
void decode_body(reader& r, vendor_id_payload& p);
void encode_body(writer& w, const vendor_id_payload& p);
void decode_body(reader& r, nat_d_payload& p);
void encode_body(writer& w, const nat_d_payload& p);
void decode_body(reader& r, nat_oa_payload& p);
void encode_body(writer& w, const nat_oa_payload& p);
void decode_body(reader& r, fragment_payload& p);
void encode_body(writer& w, const fragment_payload& p);
void decode_body(reader& r, unknown_payload& p);
void encode_body(writer& w, const unknown_payload& p);

} // namespace coati::ike::detail
