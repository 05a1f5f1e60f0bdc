// SPDX-License-Identifier: Apache-2.0
using System;

namespace Rdpneg.Tests
{
    public class ErrorTests
    {
        [Fact]
        public void EveryRowMapsToItsBandClass()
        {
            foreach (var row in RdpnegErrors.All)
            {
                var e = RdpnegException.FromCode(row.Code, "rdpneg_x");
                Type expected = row.Category switch
                {
                    RdpnegErrorCategory.Usage => typeof(RdpnegUsageException),
                    RdpnegErrorCategory.Transport => typeof(RdpnegTransportException),
                    RdpnegErrorCategory.Negotiation => typeof(RdpnegNegotiationException),
                    RdpnegErrorCategory.Tls => typeof(RdpnegTlsException),
                    RdpnegErrorCategory.Credssp => typeof(RdpnegCredsspException),
                    RdpnegErrorCategory.Auth => typeof(RdpnegAuthException),
                    RdpnegErrorCategory.Internal => typeof(RdpnegInternalException),
                    _ => typeof(RdpnegException),
                };
                Assert.IsType(expected, e);
                Assert.Equal(row.Code, e.Code);
                Assert.Equal(row.Name, e.Name);
                Assert.Equal(row.Message, e.ErrorMessage);
                Assert.Equal(row.Category, e.Category);
                Assert.Equal("rdpneg_x", e.Function);
                Assert.Contains(row.Name, e.Message);
            }
        }

        [Theory]
        [InlineData(-101, typeof(RdpnegUsageException))]
        [InlineData(-199, typeof(RdpnegUsageException))]
        [InlineData(-250, typeof(RdpnegTransportException))]
        [InlineData(-399, typeof(RdpnegNegotiationException))]
        [InlineData(-404, typeof(RdpnegTlsException))]
        [InlineData(-555, typeof(RdpnegCredsspException))]
        [InlineData(-601, typeof(RdpnegAuthException))]
        [InlineData(-999, typeof(RdpnegInternalException))]
        [InlineData(-1, typeof(RdpnegException))]
        [InlineData(-700, typeof(RdpnegException))]
        [InlineData(-1000, typeof(RdpnegException))]
        public void Bands(int code, Type type)
        {
            Assert.IsType(type, RdpnegException.FromCode(code));
        }

        [Fact]
        public void UnknownCodeInABand()
        {
            var e = RdpnegException.FromCode(-150);
            Assert.IsType<RdpnegUsageException>(e);
            Assert.Equal("RDPNEG_ERR_150", e.Name);
            Assert.Equal("unknown error", e.ErrorMessage);
            Assert.Equal(RdpnegErrorCategory.Unknown, RdpnegErrors.CategoryOf(-750));
        }

        [Fact]
        public void NativeErrorCarriesFunction()
        {
            using var c = new RdpnegConfig();
            var e = Assert.Throws<RdpnegUsageException>(() => c.SetInt(RdpnegOption.TlsMin, 7));
            Assert.Equal(RdpnegError.InvalidArgument, e.Error);
            Assert.Equal("rdpneg_config_set_int", e.Function);
        }
    }
}
