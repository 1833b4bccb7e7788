public class Smoke { [Fact] public void Builds() {} }
