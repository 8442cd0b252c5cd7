namespace K8sServiceAccount.Bench;

/// <summary>A self-signed CA certificate (no key) for the benchmark's certificate-authority-data.</summary>
internal static class BenchCertificate
{
    public const string Pem = """
        -----BEGIN CERTIFICATE-----
        MIIDDTCCAfWgAwIBAgIUP/bfJeYAKYvAU8y3KTLef7Gp8hIwDQYJKoZIhvcNAQEL
        BQAwFTETMBEGA1UEAwwKZml4dHVyZS1jYTAgFw0yNjExMjMwNTQxNTFaGA8yMTI2
        MTAzMDA1NDE1MVowFTETMBEGA1UEAwwKZml4dHVyZS1jYTCCASIwDQYJKoZIhvcN
        AQEBBQADggEPADCCAQoCggEBANrzLgcOhMSA9lAdeDtavInepp4GYY6j1EqW3Fvl
        CEY/o/3mrO7smd3jtfRK+J67OHBD+Ay3A1DqVjd1VqwWXQF3eIEIqyZqwQEfNmkW
        cTa78MLJiPZ0T+pvY+4CgafYV7TUBifQcBDNTHk3PeOag+DEz62EFEjh2biasKza
        d0xbkhpqReuDzuxOCphHFTe3pAkKBWbn29jXwKZGZURKYMCJaVWlGLrlCwlTyAC0
        4PemS9qCftOcteTBodpvF50YUt60yF7NgphpjB6cfro1pdced9d9zPWdwbeyuMY6
        CM/zXCf2dpClP3m1qomWP7rGwi8Tc3fq2d+I4ildifysrb0CAwEAAaNTMFEwHQYD
        VR0OBBYEFJAwFMbsT24pvStwK5PVg1MV81O4MB8GA1UdIwQYMBaAFJAwFMbsT24p
        vStwK5PVg1MV81O4MA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEB
        AIvHFkXGEdSqYpbbc4HouVB9wRwaOtXY75pRX5RbcNRxttk1G1dx8dNlV4uvcNX6
        4IpUCTNVNQA8jZJBnOOuxqku9N2lOpnFlWfXhVwFopW8zzGmDeP66drP9HHeJxjo
        XYkT/7eu5C67kC2fWVU6JGhgAAgdU+v9cqJeRQiqhE0R+Quh2CfBB3mfctxy6N91
        XP3IgjINttCRJCYbexmbiN7Ynuh4HT3bzEvhEkdR3bwu3pAXNREsRybcKFnQF37n
        XJ5qq/DenwCeKh13FswW5Gx7C32eaUgYXOOVXFwqWbC2R1A+LF0kmGmGwIbCVLDy
        eOrxcBNN6e6SCQa2Dla/YOY=
        -----END CERTIFICATE-----
        """;
}
