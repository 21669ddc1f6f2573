/*
 * The start-up self-test: every algorithm pluto can negotiate, run on known answers
 * through pluto's own crypto API (crypto_prf(), crypto_hash(), crypto_cipher_cbc(),
 * crypto_dh_import(), crypto_dh_public(), crypto_dh_shared(), crypto_dh_new()), so that
 * what is tested is the code the negotiations run, with the OpenSSL provider they get.
 * A broken or misconfigured libcrypto then stops pluto at start, as Libreswan's
 * algorithm test vectors and a FIPS 140 power-on self-test do, instead of showing as
 * negotiations that fail for no visible reason.
 *
 * Every entry of the algorithm tables (crypto_hash_at(), crypto_cipher_at() with each
 * key length it takes, crypto_dh_at()) must have a vector here: an algorithm added
 * without one fails the self-test, and so the unit tests, until it gets one.
 *
 * The vectors, each checked on the build host against Python's hashlib and hmac, the
 * openssl command (enc) and Python's cryptography package:
 *   HMAC    RFC 2202 (MD5, SHA-1) and RFC 4231 (SHA-2), test cases 2 (a key shorter
 *           than the output) and 6 (a key longer than the block, which HMAC hashes first)
 *   hash    "abc": RFC 1321 A.5 (MD5), the one-block examples of FIPS 180-2 (SHA-1, SHA-2)
 *   CBC     RFC 3602 case #2 (AES-128; the RFC has no other key size), NIST SP 800-38A
 *           F.2.3 and F.2.5 (AES-192, AES-256), the TCBC example of NIST's CAVP
 *           "Multi-block Message Test" for TDES (DESMMT.pdf)
 *   ECP     RFC 5903 section 8
 *   X25519  RFC 7748 section 6.1
 *   MODP    computed for this file: see modp_kats[]
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "ttodata.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define KAT_MAX 512 /* the longest value: a MODP4096 public value or shared secret */

/* ---- the vectors ----------------------------------------------------------------- */

/*
 * Key and data are text, but for the HMAC test cases with a key longer than the hash's
 * block (RFC 2202 and RFC 4231 test case 6): key NULL, key_aa octets 0xaa.
 */
struct hash_kat {
	enum oakley_hash hash;
	bool hmac;	  /* crypto_prf(); else crypto_hash() of data */
	const char *test; /* where it is published */
	const char *key;  /* HMAC only */
	size_t key_aa;
	const char *data;
	const char *out; /* hex */
};

#define JEFE_DATA "what do ya want for nothing?"
#define BIG_KEY_DATA "Test Using Larger Than Block-Size Key - Hash Key First"

static const struct hash_kat hash_kats[] = {
	{OAKLEY_HASH_MD5, true, "RFC 2202 test case 2", "Jefe", 0, JEFE_DATA,
	 "750c783e6ab0b503eaa86e310a5db738"},
	{OAKLEY_HASH_MD5, true, "RFC 2202 test case 6", NULL, 80, BIG_KEY_DATA,
	 "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"},
	{OAKLEY_HASH_MD5, false, "RFC 1321 A.5", NULL, 0, "abc",
	 "900150983cd24fb0d6963f7d28e17f72"},
	{OAKLEY_HASH_SHA1, true, "RFC 2202 test case 2", "Jefe", 0, JEFE_DATA,
	 "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
	{OAKLEY_HASH_SHA1, true, "RFC 2202 test case 6", NULL, 80, BIG_KEY_DATA,
	 "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
	{OAKLEY_HASH_SHA1, false, "FIPS 180-2 \"abc\"", NULL, 0, "abc",
	 "a9993e364706816aba3e25717850c26c9cd0d89d"},
	{OAKLEY_HASH_SHA2_256, true, "RFC 4231 test case 2", "Jefe", 0, JEFE_DATA,
	 "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
	{OAKLEY_HASH_SHA2_256, true, "RFC 4231 test case 6", NULL, 131, BIG_KEY_DATA,
	 "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
	{OAKLEY_HASH_SHA2_256, false, "FIPS 180-2 \"abc\"", NULL, 0, "abc",
	 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	{OAKLEY_HASH_SHA2_384, true, "RFC 4231 test case 2", "Jefe", 0, JEFE_DATA,
	 "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	 "8e2240ca5e69e2c78b3239ecfab21649"},
	{OAKLEY_HASH_SHA2_384, true, "RFC 4231 test case 6", NULL, 131, BIG_KEY_DATA,
	 "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
	 "0c2ef6ab4030fe8296248df163f44952"},
	{OAKLEY_HASH_SHA2_384, false, "FIPS 180-2 \"abc\"", NULL, 0, "abc",
	 "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
	 "8086072ba1e7cc2358baeca134c825a7"},
	{OAKLEY_HASH_SHA2_512, true, "RFC 4231 test case 2", "Jefe", 0, JEFE_DATA,
	 "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	 "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
	{OAKLEY_HASH_SHA2_512, true, "RFC 4231 test case 6", NULL, 131, BIG_KEY_DATA,
	 "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	 "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"},
	{OAKLEY_HASH_SHA2_512, false, "FIPS 180-2 \"abc\"", NULL, 0, "abc",
	 "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	 "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
};

/* All hex; the key length chooses the AES variant. */
struct cbc_kat {
	enum oakley_encr cipher;
	const char *test;
	const char *key, *iv, *plain, *ciphertext;
};

#define SP800_38A_IV "000102030405060708090a0b0c0d0e0f"
#define SP800_38A_PLAIN                                                    \
	"6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" \
	"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"

static const struct cbc_kat cbc_kats[] = {
	{OAKLEY_ENCR_AES_CBC, "RFC 3602 case #2", "c286696d887c9aa0611bbb3e2025a45a",
	 "562e17996d093d28ddb3ba695a2e6f58",
	 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	 "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1"},
	{OAKLEY_ENCR_AES_CBC, "SP 800-38A F.2.3",
	 "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", SP800_38A_IV, SP800_38A_PLAIN,
	 "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a"
	 "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd"},
	{OAKLEY_ENCR_AES_CBC, "SP 800-38A F.2.5",
	 "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", SP800_38A_IV,
	 SP800_38A_PLAIN,
	 "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
	 "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b"},
	{OAKLEY_ENCR_3DES_CBC, "CAVP DESMMT TCBC example",
	 "37ae5ebf46dff2dc0754b94f31cbb3855e7fd36dc870bfae", "3d1de3cc132e3b65",
	 "84401f78fe6c10876d8ea23094ea5309", "7b1f7c7e3b1c948ebd04a75ffba7d2f5"},
};

/*
 * A key agreement from a given private value (all hex, public values in KE payload
 * form): the public value must come out as pub, and the agreement with peer as shared.
 *
 * The pairwise flag adds two fresh key pairs (dh_pairwise()), for one group of each
 * kind of key generation: X25519, a NIST curve, a named MODP group (modp2048, the
 * default) and modp1024, the one group OpenSSL gets as p and g alone (it draws the key
 * differently).  The other groups' key generation is the same code, the known answers
 * test their arithmetic, and their key pairs would cost 12 ms more on the build host
 * (ecp384 2 ms, modp3072 3, modp4096 6.4): twice the whole self-test.
 */
struct dh_kat {
	enum oakley_group group;
	bool pairwise;
	const char *test;
	const char *priv, *pub;
	const char *peer; /* NULL: pub, ourselves */
	const char *shared;
};

static const struct dh_kat dh_kats[] = {
	{OAKLEY_GROUP_ECP256, true, "RFC 5903 8.1",
	 "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
	 "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
	 "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
	 "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
	 "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
	 "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de"},
	{OAKLEY_GROUP_ECP384, false, "RFC 5903 8.2",
	 "099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655"
	 "e35b538041e649ee3faef896783ab194",
	 "667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6"
	 "de3ac808acb4bdb4c88732aee95f41aa"
	 "9482ed1fc0eeb9cafc4984625ccfc23f65032149e0e144ada024181535a0f38e"
	 "eb9fcff3c2c947dae69b4c634573a81c",
	 "e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d"
	 "0d1ac43a0336def96fda41d0774a3571"
	 "dcfbec7aacf3196472169e838430367f66eebe3c6e70c416dd5f0c68759dd1ff"
	 "f83fa40142209dff5eaad96db9e6386c",
	 "11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4"
	 "d603135569b9e9d09cf5d4a270f59746"},
	{OAKLEY_GROUP_CURVE25519, true, "RFC 7748 6.1",
	 "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	 "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	 "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	 "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"},
};

/*
 * No RFC publishes key agreement vectors for the MODP groups, so these were computed
 * for this file with Python's pow() on the primes built from the RFCs' own formula,
 * p = 2^n - 2^(n-64) - 1 + 2^64 * ([2^(n-130) pi] + k) (RFC 2409 6.2, RFC 3526), which
 * gives the primes OpenSSL has.  x is the least integer from 2^63 up for which g^x and
 * (g^x)^x mod p both begin with a zero octet, so the left-padding of both to the length
 * of p (RFC 2409 section 5; a classic interoperability bug) is tested too.  The peer is
 * ourselves: shared = (g^x)^x.  A 64-bit x costs a fifth of a fresh key's exponent.
 */
#define MODP_KAT "computed known answer"

static const struct dh_kat modp_kats[] = {
	{OAKLEY_GROUP_MODP1024, true, MODP_KAT, "8000000000004054",
	 "00096dda8aa08db672e9d0e813050cce1bf1bef0f94707d151e3929943f3ac69"
	 "517394e0d32246cfeb5f4f8225574d12909c12f6f35cdb001ab0ff66a378bc12"
	 "10db578518274f7250d94079271a9959af34a65b45e08f2f74f05225c925843c"
	 "ea70fdf91a5e49639be6039047747be271e8b42c5bac62a6a11ef4f4bc3c052f",
	 NULL,
	 "002d781a63fe7f69f7baed4ba928513ac505aa2122a8d5ceca7e2c788900df1d"
	 "e93775ce7f84a9b7b39ad5e07b22f6de45a4ba8db91ab31c206618db41746f25"
	 "fa4831abdab3bfc16e0af1e2082833bbf35936d5fa05663e7a712c49a894d267"
	 "b00cbe7acc365e37296217f5ec67529deea141bd1c4e4ebdb09a057317b399a0"},
	{OAKLEY_GROUP_MODP1536, false, MODP_KAT, "8000000000015070",
	 "00426dc83865d417da4d52c92a5e43d663baaf6b0e3b83fb299be95e7d6255b6"
	 "37c98c3e822b853af3833df35f8c94c2895e171cd4088a19b304eaa239500374"
	 "cef83ace12970e5a62b7863a67b66b3efe4a94723168529f0922fa4abe336f0a"
	 "b7b38d13393e2157b337efd5b70ed15b7b62a473ede5748a16c1b8e66a36eef6"
	 "f4181a24edf58e702ccde40a8ebeb5d7248a1402b0e5c8d2f924d5c0441ebffc"
	 "3c1930a1dceee6612beafbd8627f037c2e7cb72de63653046d39c4601b8ed225",
	 NULL,
	 "00b6deb7061d2965548f8d9a7e23ee66c1ab6dbc2e9e5a192270cfadefe14211"
	 "f5242196d669efe2231ad8d445aaa06572e7bedd2b20540eaac193c4a140bb30"
	 "43568d7ebc16c19b1d95bd0a3d0c2f8236609f54d60a19ba38794bf04f3fa4ad"
	 "49e768d8d9fadd5d0e6c9dc74e9a72f904253b83523164e4cc494182857954a8"
	 "3a58ebae057ffbb5992020bd5239d00952e7c714b89324b0dfe627cdf4053f08"
	 "4b8af5c77c9de4c4de863dfd192594ceebddcdb3fe189135e328f6f80456c913"},
	{OAKLEY_GROUP_MODP2048, true, MODP_KAT, "800000000001387a",
	 "00b67245101eedda8408e5e20b61524d16d1b832cc653875da3763a00af94cf9"
	 "c6f415189a1f42dbdc9ec053668e1c5803186ce8c5cdd0590fbd927932aa57e4"
	 "0f518c7043a2f019291c3212fbb76af9502d0043c7af88110b5514c805a6c9c2"
	 "2e1122c847bd99d1235a76d6364c6911a1345b130bce4d7c03d9c6380a69145b"
	 "193c3a85a9e153bb2c697144b12510a082c24a0db42a0ddb3126246355a25488"
	 "3bce38b5f4e9bc9f0e994cd3e3122bc6136704b337132e02abef220143700586"
	 "8a7163ac695f005bf463b561e4297b1042be2d4489a9ed935ee61b8a836fd35b"
	 "84b39c80a1efa82be6933674f60d39e9df5850f92c9550a022f73d09d4fce8ec",
	 NULL,
	 "0063c96ea3d2baf5a057f26dec2ce7c1bb455c7699e1b8a4abd29297dc165266"
	 "a125345b2bb178ea688d37b3fcc13fea77e7167ee569c02376554ad21460d87b"
	 "da6d8d9f71a2c4aa3b73f8c7e56680eb54cd8c9ba8d9d82330d48e2f16644a1a"
	 "6ddbc5554a564b21f348afd5388ad1907ed782082b70dbf0991c8d7f99d7f42f"
	 "208b75dfb55eead0a51636ed3797066e16737e929acaebf8228bae9bb4c591de"
	 "df5391395e25856d7456e1213135c6d66852ffe3c5682e9891b980777c242311"
	 "202f793048ba73db462268598dfb3acf03352fb8e9956223a8f581950744a799"
	 "ca04042f5f52c2039123fbf4fcffc7f2088a66195598b84007554de591055b26"},
	{OAKLEY_GROUP_MODP3072, false, MODP_KAT, "80000000000208c3",
	 "005f403f8efda7358f77c543b3cd0b302e4c744a667629c1b6cd71397dab8ae5"
	 "1da6241abf9cdde2dedf0905830d7c16c7fd843a3fd9e8d1c1352c85cf46e124"
	 "2676760d08ffa8111408f37d643420f939e23b6aeecf54aac1a70ef809c811b6"
	 "fbe2b9d0bc0750855b0c9d0103ab42ce20ab25194c2f0ce1581a98a730d45015"
	 "b66e87a8cdb51d0410512d3431eac640404f6bed1583d4bfc26be15e8807fe94"
	 "9417f3d887fbff49b376dbc004baf1e17944205fd366d46d957cfa6a27dffa2a"
	 "fc6725d2c142332803b6dc17895bbd15b9d72c1e684e437378babaada1d97be4"
	 "11c5945f276425a8ad5254201ffd8a04df10e444e663deb16882d409cfa47325"
	 "fc50a4af4f480aa8c9934faad5903a2c8cc7fbfdb574389572bc8511015b595c"
	 "779f236ab651d5e9061e61dbd8b4259d995cc6f1aa6d75889644230a116f521f"
	 "8c9150b7861f43e242ad9e3ee9161ef113d9322fd34ef250268c4a0eb018bc2a"
	 "d16d2dad2fa65c74b598fadb83c771cb90efdfbcd50e7c6ddf41a0c00fe5af18",
	 NULL,
	 "001c76c35c34fe74c74ea5d95a5f60c4f6d8fedd993818b8b8d88448cb67f7fc"
	 "70c126723edb0836167fa60d0d4b97ec4536d726a3d03c0d151d3ebdf9418a3b"
	 "fb1d85e4716ad9f81cafec148e15caa16e90309f1a67e708e11fedf302034d48"
	 "277c8d9cbc3ad26746f4ff5f7e83a06470217ba0736431c9324b70289a0e5967"
	 "fa6890e9dfb734b7ffec03f1fd9783f6c0d7d08807ef27022c552df606eae308"
	 "9335e279c27a02ca41aad7748284a624aad3e901abac08b4c6eb7790dc6d08e3"
	 "763bdf2487ae2cdbb7d399e410646be251698082422553df95858f28e876614b"
	 "887ad090b1261f418bd6c7869e45dd305da5b47e8ff5b6ac47181b3ba7925b1a"
	 "fd514d139e81bead461ed8c8f58a5439c585e9fac71351987672950a111907f0"
	 "23f274395fa78c9599ae886c8755a0f557a552e41376751f035efac0de01afe0"
	 "cfc9e6831e477ca6b32758b71e6f7239c9b35c532794f455172f2d1c43a75c31"
	 "00055447cf661dfe42a08a7e224278c8b4cf01cd941457b0dd1416de35c46a4e"},
	{OAKLEY_GROUP_MODP4096, false, MODP_KAT, "80000000000097fd",
	 "00f59966395d3dec7a7502cede48d26b6d1dfe1b364a4294bd45a9b72da7e6bb"
	 "05e760ac81f32325dcb41e2f71864443b02a3495e7f3b84c341747a753362176"
	 "feb92e6dc34ff9b3a8b37022b6234c92e5be73897305d670e967472192f1a45d"
	 "c2e653d41b0264382cc3c454551457099cdf6024d9f64d314dd6de9e3554afc5"
	 "bc141f6eee73f32a1c746f940c205eace1825b1a253720565d816ae39d0a4298"
	 "26924a5af558bd0128a21d4743ac4929fb57d5edc77c379d3bbe138df61880c8"
	 "fa90838a9b520384b39c3b0581fb40db887ac3a128979612e357d8be25a13f1c"
	 "508a4f69f65279fdbefc60af3538f34de70d52214e17e7d9007b789591e14720"
	 "2dbe0ff19fb27cdec4a45e86c5c27e290cb149b638aaccd5010f677f7e37a19b"
	 "6e87177be488506011d3de08ef8d46970e1341b521e82831dcd26630f49b2499"
	 "b62e780f91e907889b5df8daa17ac70f919191b103b8943de1f991f7f21251af"
	 "02600797f94e96e3941ba5c1bbd3574bc6bee407c9e4ac63bb0961d0c8ff87e4"
	 "bf1299ec278cf4d356bcce932f7648ea0aa4befbe67427868bea1c78005cb14e"
	 "c2f80ea91a6b97370c71fe7e011fa302808546ff213caab701bbf7fde0572d4a"
	 "51377ea8701a8395dc4935be97fa6f8ec54d5d8f392ce4267b8e6afd0ba5a9eb"
	 "e258d4a6345345b0bb3ad687fd6a7e4808b09c21f93f62eb5b298e6007f0dd4e",
	 NULL,
	 "00a36a2b2ba6dcfd47494c18fd9a0e87f22dc0f6cc486dfc03cd453ddab514ac"
	 "994c496321a32cfbb194671fc77851e6e2a5287746d05464a874a81bff64d80c"
	 "5cc7edf066ffc2b52a524ec0f9704a4148447fa04ce019da0734aac37813d945"
	 "50bb065967408c0cfd60591b98866ac8074beb544314e4965d3a4bbffbd4b9e8"
	 "c55007d802dc9309e4b2f9dc30da04eee7fe51311ed9a51f252fc03842928310"
	 "e34eb4c6e8fadf8b02969befe063b2a81d916040a2e09ac29286886dcb79d955"
	 "9d5d3554fedd0de8fa30236f0888bf35bcfcdbf77649adab225339c37c2062f1"
	 "900c19d1cb35f7b424cd4501ab90e13cbe639953f897bb404a7f4ca10e2399f6"
	 "71452bb995f1c08e0e81f0461d344b5c4d98ee1207020cbc61e2f9f24f29655d"
	 "002bab75c8a09b97099668aa76ebbd11f252920ddce797151083172259b193d2"
	 "001501d4669a22cb9957cf823d016df77eb437a5a2fa0b28a1ba79db6009250b"
	 "c1e8a97f33030a6f9b489311c318fb54175f76cc4a6bfba5505e535680781eb5"
	 "c3f81350b4c52509686be03ef53ba90ba525ffd2903db051f33a591f89a4ac91"
	 "4120f81c9b04d2e09d6ca6ec8ddf1c68659206cf861d8a66739a782dc8419c75"
	 "e08b675c7431933427712b62b19457a389dd53b78ac851b3c44bd91d5315bb55"
	 "11ca0216ac976558fa836ab7d5e705793aff3bfed56dbb014dfa7180a1038b39"},
};

/* ---- running them ----------------------------------------------------------------- */

struct run {
	unsigned tests;	  /* tests begun */
	unsigned checks;  /* comparisons with an expected value made */
	unsigned corrupt; /* the comparison (1, 2, ...) to give a wrong expected value; 0: none */
};

/* The message of a failure: static, overwritten by the next failure. */
static const char *failed(const char *alg, const char *test, const char *what)
{
	static char msg[160];

	if (test != NULL)
		snprintf(msg, sizeof(msg), "%s: %s: %s", alg, test, what);
	else
		snprintf(msg, sizeof(msg), "%s: %s", alg, what);
	return msg;
}

/*
 * Is got the expected value want?  The run's corrupt-th comparison flips a bit of want
 * first, so a test can show that every comparison is able to fail.
 */
static bool expect(struct run *r, const uint8_t *got, size_t got_len, const uint8_t *want,
		   size_t want_len)
{
	uint8_t w[KAT_MAX];

	if (want_len == 0 || want_len > sizeof(w))
		return false;
	memcpy(w, want, want_len);
	if (++r->checks == r->corrupt)
		w[0] ^= 0x01;
	return got_len == want_len && memcmp(got, w, want_len) == 0;
}

/* Hex digits into out (ttodata()'s 0x form): the number of octets, 0 if not hex or too long. */
static size_t unhex(const char *hex, uint8_t *out, size_t size)
{
	char text[2 + 2 * KAT_MAX + 1];
	size_t n = 0;

	if (hex == NULL || (size_t)snprintf(text, sizeof(text), "0x%s", hex) >= sizeof(text) ||
	    ttodata(text, out, size, &n) != NULL)
		return 0;
	return n;
}

/* The data in two pieces, as negotiations hash Ni_b | Nr_b: the join is tested too. */
static const char *hash_test(struct run *r, const struct hash_kat *v)
{
	const struct crypto_hash_desc *h = crypto_hash_lookup(v->hash);
	size_t klen = v->key != NULL ? strlen(v->key) : v->key_aa, dlen = strlen(v->data);
	uint8_t key[KAT_MAX], want[CRYPTO_MAX_HASH], out[CRYPTO_MAX_HASH];
	size_t wlen = unhex(v->out, want, sizeof(want));
	struct crypto_chunk in[2] = {CRYPTO_CHUNK(v->data, dlen / 2),
				     CRYPTO_CHUNK(v->data + dlen / 2, dlen - dlen / 2)};
	char alg[32];
	int ret;

	if (h == NULL)
		return failed("hash", v->test, "vector for a hash pluto does not implement");
	snprintf(alg, sizeof(alg), "%s%s", v->hmac ? "HMAC-" : "", h->ossl_name);
	if (dlen == 0 || wlen == 0 || klen > sizeof(key) || (v->hmac && klen == 0))
		return failed(alg, v->test, "malformed vector");
	if (v->key != NULL)
		memcpy(key, v->key, klen);
	else
		memset(key, 0xaa, klen);
	if (v->hmac)
		ret = crypto_prf(v->hash, CRYPTO_CHUNK(key, klen), in, 2, out, sizeof(out));
	else
		ret = crypto_hash(v->hash, in, 2, out, sizeof(out));
	if (ret != 0)
		return failed(alg, v->test, "cannot compute");
	if (!expect(r, out, h->size, want, wlen))
		return failed(alg, v->test, "wrong output");
	return NULL;
}

/* "AES-128-CBC", "3DES-CBC": a cipher with a choice of key lengths names the length. */
static void cipher_alg(char *buf, size_t size, const struct crypto_cipher_desc *c, size_t keylen)
{
	char upper[16];
	size_t i;

	for (i = 0; c->name[i] != '\0' && i + 1 < sizeof(upper); i++)
		upper[i] = (char)toupper((unsigned char)c->name[i]);
	upper[i] = '\0';
	if (c->key_min == c->key_max)
		snprintf(buf, size, "%s-CBC", upper);
	else
		snprintf(buf, size, "%s-%zu-CBC", upper, keylen * 8);
}

/* A vector's values, decoded. */
struct cbc_values {
	uint8_t key[CRYPTO_MAX_KEY], iv[CRYPTO_MAX_BLOCK], plain[KAT_MAX], ct[KAT_MAX];
	size_t key_len, block, len;
};

/* The output, and the IV left for the next message: the last ciphertext block. */
static const char *cbc_encrypt(struct run *r, const struct cbc_kat *v, const struct cbc_values *x,
			       const char *alg)
{
	uint8_t iv[CRYPTO_MAX_BLOCK], buf[KAT_MAX];
	const uint8_t *last = x->ct + x->len - x->block;

	memcpy(iv, x->iv, x->block);
	memcpy(buf, x->plain, x->len);
	if (crypto_cipher_cbc(v->cipher, x->key, x->key_len, iv, buf, x->len, true) != 0)
		return failed(alg, v->test, "cannot encrypt");
	if (!expect(r, buf, x->len, x->ct, x->len))
		return failed(alg, v->test, "wrong ciphertext");
	if (!expect(r, iv, x->block, last, x->block))
		return failed(alg, v->test, "wrong IV after encryption");
	return NULL;
}

/* In two calls, the second chained on the IV the first left, as IKEv1 chains messages. */
static const char *cbc_decrypt(struct run *r, const struct cbc_kat *v, const struct cbc_values *x,
			       const char *alg)
{
	uint8_t iv[CRYPTO_MAX_BLOCK], buf[KAT_MAX];
	size_t head = x->len - x->block;

	memcpy(iv, x->iv, x->block);
	memcpy(buf, x->ct, x->len);
	if (crypto_cipher_cbc(v->cipher, x->key, x->key_len, iv, buf, head, false) != 0 ||
	    crypto_cipher_cbc(v->cipher, x->key, x->key_len, iv, buf + head, x->block, false) != 0)
		return failed(alg, v->test, "cannot decrypt");
	if (!expect(r, buf, x->len, x->plain, x->len))
		return failed(alg, v->test, "wrong plaintext");
	if (!expect(r, iv, x->block, x->ct + head, x->block))
		return failed(alg, v->test, "wrong IV after decryption");
	return NULL;
}

static const char *cbc_test(struct run *r, const struct cbc_kat *v)
{
	const struct crypto_cipher_desc *c = crypto_cipher_lookup(v->cipher);
	struct cbc_values x;
	char alg[32];
	const char *err;

	if (c == NULL)
		return failed("cipher", v->test, "vector for a cipher pluto does not implement");
	x.key_len = unhex(v->key, x.key, sizeof(x.key));
	x.block = c->block;
	x.len = unhex(v->plain, x.plain, sizeof(x.plain));
	cipher_alg(alg, sizeof(alg), c, x.key_len);
	/* Two blocks at least, for the chained decryption. */
	if (x.key_len == 0 || unhex(v->iv, x.iv, sizeof(x.iv)) != c->block ||
	    x.len < 2 * c->block || x.len % c->block != 0 ||
	    unhex(v->ciphertext, x.ct, sizeof(x.ct)) != x.len)
		return failed(alg, v->test, "malformed vector");
	err = cbc_encrypt(r, v, &x, alg);
	if (err == NULL)
		err = cbc_decrypt(r, v, &x, alg);
	return err;
}

/* A vector's values, decoded. */
struct dh_values {
	uint8_t priv[64], pub[KAT_MAX], peer[KAT_MAX], shared[KAT_MAX];
	size_t priv_len, pub_len, peer_len, shared_len;
};

static bool dh_load(const struct dh_kat *v, struct dh_values *x)
{
	x->priv_len = unhex(v->priv, x->priv, sizeof(x->priv));
	x->pub_len = unhex(v->pub, x->pub, sizeof(x->pub));
	x->peer_len = unhex(v->peer != NULL ? v->peer : v->pub, x->peer, sizeof(x->peer));
	x->shared_len = unhex(v->shared, x->shared, sizeof(x->shared));
	return x->priv_len != 0 && x->pub_len != 0 && x->peer_len != 0 && x->shared_len != 0;
}

/* Import checks the public value against the private one; then ours, and the agreement. */
static const char *dh_known(struct run *r, const struct dh_kat *v, const struct crypto_dh_desc *d)
{
	struct dh_values x;
	struct crypto_dh *dh = NULL;
	uint8_t out[KAT_MAX];
	size_t len = 0;
	const char *err = NULL;

	if (!dh_load(v, &x))
		return failed(d->name, v->test, "malformed vector");
	if (crypto_dh_import(v->group, CRYPTO_CHUNK(x.priv, x.priv_len),
			     CRYPTO_CHUNK(x.pub, x.pub_len), &dh) != 0)
		return failed(d->name, v->test, "key pair refused");
	if (crypto_dh_public(dh, out, sizeof(out), &len) != 0)
		err = "no public value";
	else if (!expect(r, out, len, x.pub, x.pub_len))
		err = "wrong public value";
	else if (crypto_dh_shared(dh, CRYPTO_CHUNK(x.peer, x.peer_len), out, sizeof(out), &len) !=
		 NULL)
		err = "peer's public value refused";
	else if (!expect(r, out, len, x.shared, x.shared_len))
		err = "wrong shared secret";
	crypto_dh_free(dh);
	return err != NULL ? failed(d->name, v->test, err) : NULL;
}

/*
 * Two fresh key pairs, made as every negotiation makes them (crypto_dh_new()), agree:
 * key generation is the one step the known answers cannot test.
 */
static const char *dh_pairwise(struct run *r, const struct crypto_dh_desc *d)
{
	struct crypto_dh *a = NULL, *b = NULL;
	uint8_t pa[KAT_MAX], pb[KAT_MAX], sa[KAT_MAX], sb[KAT_MAX];
	size_t la = 0, lb = 0, lsa = 0, lsb = 0;
	const char *err = NULL;

	if (crypto_dh_new(d->id, &a) != 0 || crypto_dh_new(d->id, &b) != 0)
		err = "cannot generate a key pair";
	else if (crypto_dh_public(a, pa, sizeof(pa), &la) != 0 ||
		 crypto_dh_public(b, pb, sizeof(pb), &lb) != 0 || la != d->ke_len ||
		 lb != d->ke_len)
		err = "no public value";
	else if (crypto_dh_shared(a, CRYPTO_CHUNK(pb, lb), sa, sizeof(sa), &lsa) != NULL ||
		 crypto_dh_shared(b, CRYPTO_CHUNK(pa, la), sb, sizeof(sb), &lsb) != NULL)
		err = "fresh public value refused";
	else if (lsa != d->secret_len || !expect(r, sa, lsa, sb, lsb))
		err = "the two sides disagree";
	crypto_dh_free(a);
	crypto_dh_free(b);
	crypto_cleanse(sa, sizeof(sa));
	crypto_cleanse(sb, sizeof(sb));
	return err != NULL ? failed(d->name, "fresh key pairs", err) : NULL;
}

static const char *dh_test(struct run *r, const struct dh_kat *v)
{
	const struct crypto_dh_desc *d = crypto_dh_lookup(v->group);
	const char *err;

	if (d == NULL)
		return failed("DH", v->test, "vector for a group pluto does not implement");
	err = dh_known(r, v, d);
	if (err == NULL && v->pairwise) {
		r->tests++;
		err = dh_pairwise(r, d);
	}
	return err;
}

/* ---- coverage: a vector for everything pluto can negotiate ------------------------ */

static bool have_hash_kat(enum oakley_hash id, bool hmac)
{
	for (size_t i = 0; i < ARRAY_LEN(hash_kats); i++) {
		if (hash_kats[i].hash == id && hash_kats[i].hmac == hmac)
			return true;
	}
	return false;
}

static bool have_cbc_kat(enum oakley_encr id, size_t keylen)
{
	for (size_t i = 0; i < ARRAY_LEN(cbc_kats); i++) {
		if (cbc_kats[i].cipher == id && strlen(cbc_kats[i].key) == 2 * keylen)
			return true;
	}
	return false;
}

static bool have_dh_kat(enum oakley_group id)
{
	for (size_t i = 0; i < ARRAY_LEN(dh_kats); i++) {
		if (dh_kats[i].group == id)
			return true;
	}
	for (size_t i = 0; i < ARRAY_LEN(modp_kats); i++) {
		if (modp_kats[i].group == id)
			return true;
	}
	return false;
}

/* Each key length a cipher takes (crypto_cipher_keylen() agrees) needs its vector. */
static const char *cipher_coverage(const struct crypto_cipher_desc *c)
{
	char alg[32];

	for (size_t k = c->key_min; k <= c->key_max; k++) {
		if (crypto_cipher_keylen(c->id, (unsigned int)(8 * k)) != (int)k ||
		    have_cbc_kat(c->id, k))
			continue;
		cipher_alg(alg, sizeof(alg), c, k);
		return failed(alg, NULL, "no known-answer test");
	}
	return NULL;
}

static const char *coverage(void)
{
	const struct crypto_hash_desc *h;
	const struct crypto_cipher_desc *c;
	const struct crypto_dh_desc *d;
	const char *err;
	char hmac[32];

	for (size_t i = 0; (h = crypto_hash_at(i)) != NULL; i++) {
		snprintf(hmac, sizeof(hmac), "HMAC-%s", h->ossl_name);
		if (!have_hash_kat(h->id, true))
			return failed(hmac, NULL, "no known-answer test");
		if (!have_hash_kat(h->id, false))
			return failed(h->ossl_name, NULL, "no known-answer test");
	}
	for (size_t i = 0; (c = crypto_cipher_at(i)) != NULL; i++) {
		if ((err = cipher_coverage(c)) != NULL)
			return err;
	}
	for (size_t i = 0; (d = crypto_dh_at(i)) != NULL; i++) {
		if (!have_dh_kat(d->id))
			return failed(d->name, NULL, "no known-answer test");
	}
	return NULL;
}

/* ---- the entry points ---------------------------------------------------------------- */

static const char *run_all(struct run *r)
{
	const char *err = coverage();

	for (size_t i = 0; err == NULL && i < ARRAY_LEN(hash_kats); i++, r->tests++)
		err = hash_test(r, &hash_kats[i]);
	for (size_t i = 0; err == NULL && i < ARRAY_LEN(cbc_kats); i++, r->tests++)
		err = cbc_test(r, &cbc_kats[i]);
	for (size_t i = 0; err == NULL && i < ARRAY_LEN(dh_kats); i++, r->tests++)
		err = dh_test(r, &dh_kats[i]);
	for (size_t i = 0; err == NULL && i < ARRAY_LEN(modp_kats); i++, r->tests++)
		err = dh_test(r, &modp_kats[i]);
	return err;
}

const char *crypto_selftest_corrupted(unsigned int check, unsigned int *ntests)
{
	struct run r = {.corrupt = check};
	const char *err = run_all(&r);

	if (ntests != NULL)
		*ntests = r.tests;
	return err;
}

const char *crypto_selftest(unsigned int *ntests)
{
	return crypto_selftest_corrupted(0, ntests);
}
