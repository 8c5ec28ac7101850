package authenticator_test

// otpVector is DeriveOTP(32 bytes of 0x01, "challenge").
const otpVector = "JTGUJU8X"
