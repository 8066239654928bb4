import { z } from "zod";

/**
 * The closed set of error codes. Status and message follow Huawei's KMS error table
 * (appendix kms_02_8887) where Huawei documents the code; APIGW.0301 is the API gateway's
 * answer to a failed AK/SK signature check.
 */
export const ERROR_CODES = {
  "KMS.0101": { status: 500, message: "KMS error." },
  "KMS.0201": { status: 400, message: "Invalid request URL." },
  "KMS.0202": { status: 400, message: "Invalid JSON format of the request message." },
  "KMS.0203": { status: 400, message: "Request message too long." },
  "KMS.0204": { status: 400, message: "Parameters missing in the request message." },
  "KMS.0205": { status: 400, message: "Invalid key ID." },
  "KMS.0206": { status: 400, message: "Invalid sequence number." },
  "KMS.0207": { status: 404, message: "The key does not exist." },
  "KMS.0209": { status: 400, message: "The key has been disabled." },
  "KMS.0210": { status: 400, message: "The key is in Scheduled deletion state and cannot be used." },
  "KMS.0211": { status: 400, message: "Cannot perform this operation on Default Master Keys." },
  "KMS.0215": { status: 405, message: "Request method not supported." },
  "KMS.0306": { status: 403, message: "No access permissions." },
  "KMS.0308": { status: 400, message: "Invalid parameter." },
  "KMS.0309": { status: 400, message: "External keys required." },
  "KMS.0310": { status: 400, message: "The key is not in Pending import state." },
  "KMS.0312": { status: 400, message: "External keys cannot be rotated." },
  "KMS.0313": { status: 400, message: "Key rotation is not enabled." },
  "KMS.0321": { status: 403, message: "URIs in URL and X-Auth-Token do not match." },
  "KMS.0325": { status: 400, message: "Asymmetric key does not support this operation." },
  "KMS.0331": { status: 400, message: "Symmetric key does not support this operation." },
  "KMS.0334": { status: 400, message: "The cmk is used to encrypt and decrypt." },
  "KMS.0335": { status: 400, message: "The cmk is used to sign and verify." },
  "KMS.0401": { status: 400, message: "The tag list is empty." },
  "KMS.0404": { status: 400, message: "Invalid action." },
  "KMS.0405": { status: 400, message: "Invalid tag value." },
  "KMS.0406": { status: 400, message: "Invalid tag key." },
  "KMS.0409": { status: 400, message: "Too many tags." },
  "KMS.0416": { status: 404, message: "Invalid tag ID." },
  "KMS.0417": { status: 400, message: "Invalid offset." },
  "KMS.1101": { status: 400, message: "Invalid key_alias." },
  "KMS.1103": { status: 400, message: "Invalid key_description." },
  "KMS.1104": { status: 400, message: "Duplicate key aliases." },
  "KMS.1105": { status: 400, message: "Too many keys." },
  "KMS.1114": { status: 400, message: "EC keys do not support to encrypt/decrypt." },
  "KMS.1115": { status: 400, message: "Symmetric keys do not support to sign/verify." },
  "KMS.1201": { status: 400, message: "The key is not disabled." },
  "KMS.1301": { status: 400, message: "The key is not enabled." },
  "KMS.1401": { status: 400, message: "Set the pending deletion period between 7 to 1096 days." },
  "KMS.1402": { status: 400, message: "The key is already in Pending deletion state." },
  "KMS.1501": { status: 400, message: "The key is not in Pending deletion state." },
  "KMS.1601": { status: 400, message: "Invalid limit." },
  "KMS.1602": { status: 400, message: "marker must be greater than or equals 0." },
  "KMS.1801": { status: 400, message: "random_data_length must be in the range 8 bits to 8,192 bits." },
  "KMS.1802": { status: 400, message: "random_data_length must be a multiple of 8." },
  "KMS.1901": { status: 400, message: "datakey_length must be in the range 8 bits to 8,192 bits." },
  "KMS.1902": { status: 400, message: "key_spec can only be AES_128 or AES_256." },
  "KMS.1903": { status: 400, message: "datakey_length must be a multiple of 8." },
  "KMS.2101": { status: 400, message: "Invalid DEK plaintext." },
  "KMS.2102": { status: 400, message: "Invalid DEK plaintext length." },
  "KMS.2103": { status: 400, message: "DEK plaintext hash verification failed." },
  "KMS.2104": { status: 400, message: "DEK plaintext length mismatch." },
  "KMS.2105": { status: 400, message: "Symmetric key does not support this encryption algorithm." },
  "KMS.2106": { status: 400, message: "RSA key does not support this encryption algorithm." },
  "KMS.2108": { status: 400, message: "rsa plain_text too long." },
  "KMS.2201": { status: 400, message: "Invalid DEK ciphertext." },
  "KMS.2202": { status: 400, message: "Invalid DEK ciphertext length." },
  "KMS.2203": { status: 400, message: "DEK ciphertext could not be decrypted." },
  "KMS.2204": { status: 400, message: "DEK ciphertext length mismatch." },
  "KMS.2301": { status: 400, message: "Invalid ciphertext." },
  "KMS.2401": { status: 400, message: "The grant operations cannot be only create-grant." },
  "KMS.2402": { status: 400, message: "Invalid user ID." },
  "KMS.2404": { status: 400, message: "Too many CMK grants." },
  "KMS.2501": { status: 400, message: "Invalid grant ID." },
  "KMS.2502": { status: 400, message: "grant_id and key_id do not match." },
  "KMS.2901": { status: 400, message: "Key rotation is not disabled." },
  "KMS.3001": { status: 400, message: "Invalid rotation_interval." },
  "APIGW.0301": { status: 401, message: "Incorrect IAM authentication information." },
  // the console's own (BFF) codes
  "CONSOLE.0401": { status: 401, message: "Sign in first." },
  "CONSOLE.0402": { status: 401, message: "Wrong user name or password." },
  "CONSOLE.0403": { status: 403, message: "Missing or wrong CSRF token." },
  "CONSOLE.0404": { status: 404, message: "Not found." },
  "CONSOLE.0429": { status: 429, message: "Too many sign-in attempts; try again later." },
} as const satisfies Record<string, { status: 400 | 401 | 403 | 404 | 405 | 429 | 500; message: string }>;

export type TErrorCode = keyof typeof ERROR_CODES;
export const ZErrorCode = z.enum(Object.keys(ERROR_CODES) as [TErrorCode, ...TErrorCode[]]);

/** The Huawei error body. error_code/error_msg are repeated at the top level for the Node.js SDK. */
export const ZHuaweiErrorBody = z.object({
  error: z.object({ error_code: z.string(), error_msg: z.string() }),
  error_code: z.string(),
  error_msg: z.string(),
});
export type THuaweiErrorBody = z.infer<typeof ZHuaweiErrorBody>;
